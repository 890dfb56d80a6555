using Npgsql;
using Strongroom.Core.Events;
using Strongroom.Core.Idempotency;
using Strongroom.Core.Tokens;

namespace Strongroom.Storage;

/// <summary>
/// Writes a group-commit batch of PCI tokens to PostgreSQL in one transaction and two round trips: every token, event and
/// idempotency completion goes out as one <see cref="NpgsqlBatch"/> (BEGIN rides along with it), then COMMIT. Per token this
/// was five round trips (BEGIN, two or three statements, COMMIT) and one WAL flush; now a batch shares them.
/// </summary>
internal sealed class PostgresTokenWriter(NpgsqlDataSource dataSource)
{
    public async Task<bool[]> WriteAsync(IReadOnlyList<PciTokenInsert> inserts)
    {
        await using NpgsqlConnection connection = await dataSource.OpenConnectionAsync();
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync();
        await using var batch = new NpgsqlBatch(connection, transaction);
        var completions = new List<NpgsqlBatchCommand>();
        foreach (PciTokenInsert insert in inserts)
        {
            batch.BatchCommands.Add(InsertToken(insert.Token));
            batch.BatchCommands.Add(InsertEvent(insert.Created));
            if (insert.Completion is { } completion)
            {
                NpgsqlBatchCommand complete = Complete(completion);
                batch.BatchCommands.Add(complete);
                completions.Add(complete);
            }
        }

        await batch.ExecuteNonQueryAsync();
        if (completions.Exists(c => c.RecordsAffected != 1))
        {
            // A retry took a reservation over: nothing of this batch commits (the transaction rolls back on dispose), and the
            // group-commit writer retries the tokens one by one, so only the one whose reservation was lost fails.
            throw new IdempotencyReservationLostException();
        }

        await transaction.CommitAsync();
        bool[] outcomes = new bool[inserts.Count];
        Array.Fill(outcomes, true);
        return outcomes;
    }

    private static NpgsqlBatchCommand InsertToken(PciTokenRecord token) => Command(WriteStatements.InsertPciToken,
        ("id", token.Id), ("t", token.TenantId), ("scheme", (int)token.Scheme), ("first6", token.First6), ("last4", token.LastFour),
        ("len", token.PanLength), ("month", token.ExpiryMonth), ("year", token.ExpiryYear), ("fp", token.Fingerprint), ("ct", token.Ciphertext),
        ("meta", token.MetadataJson), ("created", token.CreatedAt.ToUnixTimeMilliseconds()), ("expires", token.ExpiresAt?.ToUnixTimeMilliseconds()));

    private static NpgsqlBatchCommand InsertEvent(VaultEvent e) => Command(WriteStatements.InsertEvent,
        ("id", e.Id), ("t", e.TenantId), ("type", e.Type), ("s", e.SubjectId), ("data", e.DataJson), ("created", e.CreatedAt.ToUnixTimeMilliseconds()));

    private static NpgsqlBatchCommand Complete(IdempotencyCompletion completion) => Command(WriteStatements.CompleteIdempotencyKey,
        ("status", completion.Status), ("response", completion.SealedResponse), ("t", completion.TenantId), ("k", completion.Key), ("id", completion.ReservationId));

    private static NpgsqlBatchCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach ((string name, object? value) in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter(name, value ?? DBNull.Value));
        }

        return command;
    }
}
