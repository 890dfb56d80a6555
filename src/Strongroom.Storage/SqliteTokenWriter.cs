using System.Data.Common;
using Microsoft.Data.Sqlite;
using Strongroom.Core.Idempotency;
using Strongroom.Core.Tokens;

namespace Strongroom.Storage;

/// <summary>
/// The SQLite store's one writer: a dedicated connection whose statements are prepared once and re-bound for every row,
/// writing each group-commit batch in one IMMEDIATE transaction. Parsing each statement for every row, a pooled connection per
/// batch, and the automatic checkpoint that ran inside the writer's commit were what held group commit near 5 k tokens/s with a
/// 100 ms p99 (bench/profiles.md): the WAL is instead checkpointed PASSIVE from another connection, off the writer's path.
/// Used by one group-commit loop only, so it needs no locking of its own.
/// </summary>
internal sealed class SqliteTokenWriter(Func<CancellationToken, ValueTask<DbConnection>> open, Action committed) : IAsyncDisposable
{
    private SqliteConnection? _connection;
    private Statements? _statements;

    public async Task<bool[]> WriteAsync(IReadOnlyList<SqliteWrite> writes)
    {
        (SqliteConnection connection, Statements statements) = await EnsureOpenAsync();
        bool[] outcomes = new bool[writes.Count];
        try
        {
            using SqliteTransaction transaction = connection.BeginTransaction(deferred: false);
            statements.Enlist(transaction);
            for (int i = 0; i < writes.Count; i++)
            {
                outcomes[i] = writes[i] switch
                {
                    SqliteWrite.Token token => statements.InsertToken(token.Insert),
                    SqliteWrite.Reservation reservation => statements.Reserve(reservation.Record, reservation.Now),
                    _ => throw new InvalidOperationException("Unknown write."),
                };
            }

            transaction.Commit();
        }
        catch when (connection.State != System.Data.ConnectionState.Open)
        {
            await DropConnectionAsync(); // reopened for the next batch
            throw;
        }

        committed();
        return outcomes;
    }

    public ValueTask DisposeAsync() => DropConnectionAsync();

    private async ValueTask<(SqliteConnection, Statements)> EnsureOpenAsync()
    {
        if (_connection is null || _statements is null)
        {
            var connection = (SqliteConnection)await open(CancellationToken.None);
            using (SqliteCommand pragma = connection.CreateCommand())
            {
                // Checkpoints are the store's background job: one run inside this connection's commit stalled every queued writer.
                pragma.CommandText = "PRAGMA wal_autocheckpoint = 0;";
                pragma.ExecuteNonQuery();
            }

            _statements = new Statements(connection);
            _connection = connection;
        }

        return (_connection, _statements);
    }

    private async ValueTask DropConnectionAsync()
    {
        _statements?.Dispose();
        _statements = null;
        if (_connection is not null)
        {
            // Back to the pool with the store's default again, so a later user of this handle checkpoints as usual.
            if (_connection.State == System.Data.ConnectionState.Open)
            {
                using SqliteCommand pragma = _connection.CreateCommand();
                pragma.CommandText = "PRAGMA wal_autocheckpoint = 1000;";
                pragma.ExecuteNonQuery();
            }

            await _connection.DisposeAsync();
            _connection = null;
        }
    }

    /// <summary>The prepared statements and their parameters, bound once per connection.</summary>
    private sealed class Statements : IDisposable
    {
        private readonly SqliteCommand _insertToken;
        private readonly SqliteCommand _insertEvent;
        private readonly SqliteCommand _completeKey;
        private readonly SqliteCommand _deleteExpiredKey;
        private readonly SqliteCommand _reserveKey;

        public Statements(SqliteConnection connection)
        {
            _insertToken = Prepare(connection, WriteStatements.InsertPciToken, "id", "t", "scheme", "first6", "last4", "len", "month", "year", "fp", "ct", "meta", "created", "expires");
            _insertEvent = Prepare(connection, WriteStatements.InsertEvent, "id", "t", "type", "s", "data", "created");
            _completeKey = Prepare(connection, WriteStatements.CompleteIdempotencyKey, "status", "response", "t", "k", "id");
            _deleteExpiredKey = Prepare(connection, WriteStatements.DeleteExpiredIdempotencyKey, "t", "k", "now");
            _reserveKey = Prepare(connection, WriteStatements.ReserveIdempotencyKey, "id", "t", "k", "digest", "created", "expires");
        }

        public void Enlist(SqliteTransaction transaction)
        {
            _insertToken.Transaction = transaction;
            _insertEvent.Transaction = transaction;
            _completeKey.Transaction = transaction;
            _deleteExpiredKey.Transaction = transaction;
            _reserveKey.Transaction = transaction;
        }

        public bool InsertToken(PciTokenInsert insert)
        {
            PciTokenRecord token = insert.Token;
            Run(_insertToken, Id(token.Id), Id(token.TenantId), (int)token.Scheme, token.First6, token.LastFour, token.PanLength, token.ExpiryMonth,
                token.ExpiryYear, token.Fingerprint, token.Ciphertext, token.MetadataJson, token.CreatedAt.ToUnixTimeMilliseconds(),
                token.ExpiresAt?.ToUnixTimeMilliseconds());
            Core.Events.VaultEvent e = insert.Created;
            Run(_insertEvent, Id(e.Id), Id(e.TenantId), e.Type, e.SubjectId, e.DataJson, e.CreatedAt.ToUnixTimeMilliseconds());
            if (insert.Completion is { } completion
                && Run(_completeKey, completion.Status, completion.SealedResponse, Id(completion.TenantId), completion.Key, Id(completion.ReservationId)) != 1)
            {
                throw new IdempotencyReservationLostException(); // fails the batch; the retry alone fails only this token
            }

            return true;
        }

        public bool Reserve(IdempotencyRecord reservation, DateTimeOffset now)
        {
            Run(_deleteExpiredKey, Id(reservation.TenantId), reservation.Key, now.ToUnixTimeMilliseconds());
            return Run(_reserveKey, Id(reservation.Id), Id(reservation.TenantId), reservation.Key, reservation.RequestDigest,
                reservation.CreatedAt.ToUnixTimeMilliseconds(), reservation.ExpiresAt.ToUnixTimeMilliseconds()) == 1;
        }

        public void Dispose()
        {
            _insertToken.Dispose();
            _insertEvent.Dispose();
            _completeKey.Dispose();
            _deleteExpiredKey.Dispose();
            _reserveKey.Dispose();
        }

        // Ids as SQLite stores them: canonical lower-case text (SqliteVaultStore.IdParameter).
        private static string Id(Guid id) => id.ToString("D");

        private static SqliteCommand Prepare(SqliteConnection connection, string sql, params string[] names)
        {
            SqliteCommand command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (string name in names)
            {
                command.Parameters.Add(new SqliteParameter(name, null));
            }

            command.Prepare();
            return command;
        }

        private static int Run(SqliteCommand command, params object?[] values)
        {
            for (int i = 0; i < values.Length; i++)
            {
                command.Parameters[i].Value = values[i] ?? DBNull.Value;
            }

            return command.ExecuteNonQuery();
        }
    }
}
