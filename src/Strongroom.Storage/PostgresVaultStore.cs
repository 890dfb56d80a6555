using System.Data.Common;
using Npgsql;
using Strongroom.Core.Events;
using Strongroom.Core.Idempotency;
using Strongroom.Core.Tokens;

namespace Strongroom.Storage;

/// <summary>
/// The scale-out store: PostgreSQL through one pooled <see cref="NpgsqlDataSource"/>. Several vault
/// nodes can share it; migrations serialise on a transaction-scoped advisory lock. PCI token inserts go through group commit
/// (<see cref="PostgresTokenWriter"/>): a batch of concurrent tokens costs two round trips and one WAL flush.
/// </summary>
public sealed class PostgresVaultStore : SqlVaultStore, IAsyncDisposable
{
    // An arbitrary constant that names "Strongroom schema migration" among advisory locks.
    private const long MigrationLockId = 0x5354_524F_4E47;

    // Two loops: while one batch waits for its commit (the WAL flush), the next one is already being sent and executed.
    private const int WriterLoops = 2;

    private readonly NpgsqlDataSource _dataSource;
    private readonly GroupCommitWriter<PciTokenInsert> _groupCommit;

    public PostgresVaultStore(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource;
        _groupCommit = new GroupCommitWriter<PciTokenInsert>("postgres", WriterLoops, new PostgresTokenWriter(dataSource).WriteAsync);
    }

    /// <summary>Statements the data source keeps prepared per connection unless the connection string says otherwise.</summary>
    public const int DefaultMaxAutoPrepare = 32;

    public override string Engine => "postgres";

    /// <summary>
    /// The data source for <paramref name="connectionString"/>, with automatic preparation on (Npgsql's default is off): a
    /// statement run five times on a connection is prepared there, so the hot reads and writes skip parse and plan. Every
    /// statement names its columns, so a migration that adds one does not invalidate a prepared plan's result type.
    /// </summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (builder.ConnectionStringBuilder.MaxAutoPrepare == 0)
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = DefaultMaxAutoPrepare;
        }

        return builder.Build();
    }

    protected override IReadOnlyList<string> Migrations { get; } = MigrationScripts.Load("postgres");

    /// <summary>Through group commit: returns once the transaction holding this token has committed.</summary>
    public override Task InsertPciTokenAsync(PciTokenRecord token, VaultEvent created, IdempotencyCompletion? completion, CancellationToken cancellationToken) =>
        _groupCommit.WriteAsync(new PciTokenInsert(token, created, completion), cancellationToken);

    /// <summary>
    /// One round trip: the expired-key delete and the insert go as one batch, which PostgreSQL runs as one implicit transaction
    /// (was BEGIN, DELETE, INSERT, COMMIT).
    /// </summary>
    public override async Task<bool> TryReserveIdempotencyKeyAsync(IdempotencyRecord reservation, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(WriteStatements.DeleteExpiredIdempotencyKey)
                {
                    Parameters = { new("t", reservation.TenantId), new("k", reservation.Key), new("now", now.ToUnixTimeMilliseconds()) },
                },
                new NpgsqlBatchCommand(WriteStatements.ReserveIdempotencyKey)
                {
                    Parameters =
                    {
                        new("id", reservation.Id), new("t", reservation.TenantId), new("k", reservation.Key), new("digest", reservation.RequestDigest),
                        new("created", reservation.CreatedAt.ToUnixTimeMilliseconds()), new("expires", reservation.ExpiresAt.ToUnixTimeMilliseconds()),
                    },
                },
            },
        };
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return batch.BatchCommands[1].RecordsAffected == 1;
    }

    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken);

    protected override object IdParameter(Guid id) => id;

    protected override string SkipLockedClause => " FOR UPDATE SKIP LOCKED";

    protected override string SkipLockedDeliveriesClause => " FOR UPDATE OF d SKIP LOCKED";

    protected override async Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await using DbCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT pg_advisory_xact_lock({MigrationLockId})";
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The NOTIFY channel credential changes travel on (<see cref="PostgresCredentialListener"/> listens to it).</summary>
    public const string CredentialChannel = "strongroom_credentials";

    /// <summary>Where <see cref="PostgresCredentialListener"/> opens its dedicated connection.</summary>
    internal NpgsqlDataSource DataSource => _dataSource;

    protected override async Task NotifyCredentialChangeAsync(DbConnection connection, DbTransaction? transaction, Core.Tenancy.CredentialChange change, CancellationToken cancellationToken) =>
        await ExecuteAsync(connection, transaction, "SELECT pg_notify(@channel, @payload)", cancellationToken, ("channel", CredentialChannel), ("payload", change.ToWire()));

    /// <summary>Writes what is still queued, then closes the data source.</summary>
    public async ValueTask DisposeAsync()
    {
        await _groupCommit.DisposeAsync();
        await _dataSource.DisposeAsync();
    }
}
