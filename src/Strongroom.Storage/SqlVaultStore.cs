using System.Data.Common;
using Strongroom.Core.Cards;
using Strongroom.Core.Storage;
using Strongroom.Core.Tenancy;
using Strongroom.Core.Tokens;

namespace Strongroom.Storage;

/// <summary>
/// The <see cref="IVaultStore"/> queries, written once in the SQL both engines share (ANSI plus
/// <c>ON CONFLICT</c>, <c>RETURNING</c> and <c>LIMIT</c>, which SQLite and PostgreSQL both speak).
/// Engine subclasses supply connections, the schema, id binding and the migration lock.
/// Timestamps are stored as Unix milliseconds so both engines compare them identically.
/// </summary>
public abstract partial class SqlVaultStore : IVaultStore
{
    private const string TokenColumns = WriteStatements.TokenColumns;
    private const string ApiKeyColumns = "id, tenant_id, name, secret_hash, rights, created_at, expires_at, revoked_at";

    public abstract string Engine { get; }

    /// <summary>The schema, one entry per version, applied in order and recorded in <c>schema_migrations</c>.</summary>
    protected abstract IReadOnlyList<string> Migrations { get; }

    protected abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>How a UUID is bound: PostgreSQL has a uuid type; SQLite stores canonical lower-case text, whose order matches.</summary>
    protected abstract object IdParameter(Guid id);

    /// <summary>Serialises concurrent migrators (several nodes starting at once).</summary>
    protected abstract Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        await LockForMigrationAsync(connection, transaction, cancellationToken);
        await ExecuteAsync(connection, transaction, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)", cancellationToken);

        object? current = await ScalarAsync(connection, transaction, "SELECT MAX(version) FROM schema_migrations", cancellationToken);
        int applied = current is null or DBNull ? 0 : Convert.ToInt32(current, System.Globalization.CultureInfo.InvariantCulture);
        for (int version = applied + 1; version <= Migrations.Count; version++)
        {
            await ExecuteAsync(connection, transaction, Migrations[version - 1], cancellationToken);
            await ExecuteAsync(connection, transaction, "INSERT INTO schema_migrations (version, applied_at) VALUES (@v, @t)", cancellationToken,
                ("v", version), ("t", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return Convert.ToInt32(await ScalarAsync(connection, null, "SELECT 1", cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 1;
    }

    // Plumbing.

    protected static async Task<int> ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using DbCommand command = CreateCommand(connection, transaction, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    protected static async Task<object?> ScalarAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using DbCommand command = CreateCommand(connection, transaction, sql, parameters);
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary>
    /// A read on the hot path of every request (the masked read, credential lookups). The same as any query here; an engine
    /// may serve it from statements it keeps prepared (SQLite does, <see cref="SqlitePreparedReads"/>).
    /// </summary>
    protected virtual Task<IReadOnlyList<T>> QueryHotAsync<T>(string sql, Func<DbDataReader, T> read, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        QueryAsync(sql, read, cancellationToken, parameters);

    private async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, Func<DbDataReader, T> read, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return await QueryAsync(connection, null, sql, read, cancellationToken, parameters);
    }

    private static async Task<IReadOnlyList<T>> QueryAsync<T>(DbConnection connection, DbTransaction? transaction, string sql, Func<DbDataReader, T> read, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using DbCommand command = CreateCommand(connection, transaction, sql, parameters);
        await using DbDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    private static DbCommand CreateCommand(DbConnection connection, DbTransaction? transaction, string sql, (string Name, object? Value)[] parameters)
    {
        DbCommand command = connection.CreateCommand();
#pragma warning disable CA2100 // Every statement is a constant of this class; values are always bound as parameters.
        command.CommandText = sql;
#pragma warning restore CA2100
        command.Transaction = transaction;
        foreach ((string name, object? value) in parameters)
        {
            DbParameter parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    private static long Ms(DateTimeOffset value) => value.ToUnixTimeMilliseconds();

    private static long? Ms(DateTimeOffset? value) => value?.ToUnixTimeMilliseconds();

    private static DateTimeOffset FromMs(long value) => DateTimeOffset.FromUnixTimeMilliseconds(value);

    private static DateTimeOffset? FromMsOrNull(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : FromMs(reader.GetInt64(ordinal));

    private static Tenant ReadTenant(DbDataReader r) => new(r.GetGuid(0), r.GetString(1), FromMs(r.GetInt64(2)), r.IsDBNull(3) ? null : r.GetGuid(3));

    private static SigningKeyRecord ReadSigningKey(DbDataReader r) => new(
        r.GetGuid(0), r.GetGuid(1), r.GetString(2), (byte[])r.GetValue(3), r.GetInt32(4), r.IsDBNull(5) ? null : r.GetString(5),
        r.GetInt32(6) != 0, r.GetInt32(7) != 0, AccessEndpointJson.Deserialize(r.GetString(8)), r.GetInt64(9), FromMsOrNull(r, 10), FromMs(r.GetInt64(11)));

    private static ApiKeyRecord ReadApiKey(DbDataReader r) => new(
        r.GetString(0), r.GetGuid(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3), (VaultRights)r.GetInt32(4),
        FromMs(r.GetInt64(5)), FromMsOrNull(r, 6), FromMsOrNull(r, 7));

    private static PciTokenRecord ReadToken(DbDataReader r) => new(
        r.GetGuid(0), r.GetGuid(1), (CardScheme)r.GetInt32(2), r.GetString(3), r.GetString(4), r.GetInt32(5), r.GetInt32(6), r.GetInt32(7),
        (byte[])r.GetValue(8), (byte[])r.GetValue(9), r.IsDBNull(10) ? null : r.GetString(10), FromMs(r.GetInt64(11)), FromMsOrNull(r, 12));
}
