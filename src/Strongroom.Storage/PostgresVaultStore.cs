using System.Data.Common;
using Npgsql;

namespace Strongroom.Storage;

/// <summary>
/// The scale-out store: PostgreSQL through one pooled <see cref="NpgsqlDataSource"/>. Several vault
/// nodes can share it; migrations serialise on a transaction-scoped advisory lock.
/// </summary>
public sealed class PostgresVaultStore(NpgsqlDataSource dataSource) : SqlVaultStore, IAsyncDisposable
{
    // An arbitrary constant that names "Strongroom schema migration" among advisory locks.
    private const long MigrationLockId = 0x5354_524F_4E47;

    public override string Engine => "postgres";

    protected override IReadOnlyList<string> Migrations { get; } = MigrationScripts.Load("postgres");

    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await dataSource.OpenConnectionAsync(cancellationToken);

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
    internal NpgsqlDataSource DataSource => dataSource;

    protected override async Task NotifyCredentialChangeAsync(DbConnection connection, DbTransaction? transaction, Core.Tenancy.CredentialChange change, CancellationToken cancellationToken) =>
        await ExecuteAsync(connection, transaction, "SELECT pg_notify(@channel, @payload)", cancellationToken, ("channel", CredentialChannel), ("payload", change.ToWire()));

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();
}
