using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using Strongroom.Core.Storage;
using Strongroom.Storage;

namespace Strongroom.Core.Tests.Support;

/// <summary>
/// One empty database of one engine. <see cref="NewStore"/> opens another store instance on it, as a
/// second vault node would; <see cref="ScalarAsync"/> runs raw SQL for assertions the contract cannot express.
/// </summary>
public abstract class StoreDatabase : IAsyncDisposable
{
    public abstract string Engine { get; }

    /// <summary>A new, unmigrated store instance on this database.</summary>
    public abstract IVaultStore NewStore();

    public async Task<object?> ScalarAsync(string sql)
    {
        await using DbConnection connection = await OpenConnectionAsync();
        await using DbCommand command = connection.CreateCommand();
#pragma warning disable CA2100 // Test-only SQL written by the tests themselves.
        command.CommandText = sql;
#pragma warning restore CA2100
        return await command.ExecuteScalarAsync();
    }

    /// <summary>Every binary column of the schema, as <c>table.column</c>.</summary>
    public async Task<IReadOnlyList<string>> ListBinaryColumnsAsync()
    {
        await using DbConnection connection = await OpenConnectionAsync();
        await using DbCommand command = connection.CreateCommand();
        command.CommandText = Engine == "postgres"
            ? "SELECT table_name || '.' || column_name FROM information_schema.columns WHERE table_schema = current_schema() AND data_type = 'bytea'"
            : "SELECT m.name || '.' || p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND upper(p.type) = 'BLOB'";
        await using DbDataReader reader = await command.ExecuteReaderAsync();
        var columns = new List<string>();
        while (await reader.ReadAsync())
        {
            columns.Add(reader.GetString(0));
        }

        return columns;
    }

    /// <summary>Every cell of every row of every table (the migrations table included), as the driver reads it.</summary>
    public async Task<IReadOnlyList<DumpedCell>> DumpCellsAsync()
    {
        var cells = new List<DumpedCell>();
        await using DbConnection connection = await OpenConnectionAsync();
        foreach (string table in await ListTablesAsync(connection))
        {
            await using DbCommand select = connection.CreateCommand();
#pragma warning disable CA2100 // Table names come from the engine's catalog and are quoted.
            select.CommandText = $"SELECT * FROM {table}";
#pragma warning restore CA2100
            await using DbDataReader reader = await select.ExecuteReaderAsync();
            int row = 0;
            while (await reader.ReadAsync())
            {
                for (int i = 0; i < reader.FieldCount; i++)
                {
                    object value = reader.GetValue(i);
                    cells.Add(new DumpedCell(table, row, reader.GetName(i), value is DBNull ? null : value));
                }

                row++;
            }
        }

        return cells;
    }

    protected abstract Task<DbConnection> OpenConnectionAsync();

    /// <summary>Quoted names of every user table.</summary>
    protected abstract Task<IReadOnlyList<string>> ListTablesAsync(DbConnection connection);

    protected static async Task<IReadOnlyList<string>> ReadStringsAsync(DbConnection connection, string sql)
    {
        await using DbCommand command = connection.CreateCommand();
#pragma warning disable CA2100 // Constant catalog queries.
        command.CommandText = sql;
#pragma warning restore CA2100
        await using DbDataReader reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    public abstract ValueTask DisposeAsync();
}

/// <summary>One cell of a table dump: a string, number, Guid, byte array or null.</summary>
public sealed record DumpedCell(string Table, int Row, string Column, object? Value);

/// <summary>A SQLite database: one file in a private temp directory, opened with the production connection string.</summary>
public sealed class SqliteDatabase : StoreDatabase
{
    private readonly TempDirectory _directory = new("strongroom-sqlite");

    public SqliteDatabase()
    {
        FilePath = _directory.File("strongroom.db");
    }

    public override string Engine => "sqlite";

    public string FilePath { get; }

    public override IVaultStore NewStore() => new SqliteVaultStore(SqliteVaultStore.ConnectionStringFor(FilePath));

    protected override async Task<DbConnection> OpenConnectionAsync()
    {
        var connection = new SqliteConnection(SqliteVaultStore.ConnectionStringFor(FilePath));
        await connection.OpenAsync();
        return connection;
    }

    protected override Task<IReadOnlyList<string>> ListTablesAsync(DbConnection connection) =>
        ReadStringsAsync(connection, "SELECT '\"' || name || '\"' FROM sqlite_schema WHERE type = 'table' ORDER BY name");

    /// <summary>
    /// Closes the idle pooled connections of this database only (ClearAllPools would also close those of test
    /// classes running in parallel). When the last connection closes, SQLite checkpoints the WAL into the main file.
    /// </summary>
    public void ClosePooledConnections()
    {
        using var connection = new SqliteConnection(SqliteVaultStore.ConnectionStringFor(FilePath));
        SqliteConnection.ClearPool(connection);
    }

    public override ValueTask DisposeAsync()
    {
        ClosePooledConnections();
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>A PostgreSQL database created for one test class (<c>sr_test_&lt;random&gt;</c>) and dropped afterwards.</summary>
public sealed class PostgresDatabase : StoreDatabase
{
    private readonly string _adminConnectionString;
    private readonly List<NpgsqlDataSource> _dataSources = [];

    private PostgresDatabase(string adminConnectionString, string name)
    {
        _adminConnectionString = adminConnectionString;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = name }.ConnectionString;
    }

    public override string Engine => "postgres";

    public string Name { get; }

    public string ConnectionString { get; }

    public static async Task<PostgresDatabase> CreateAsync(string adminConnectionString)
    {
        string name = "sr_test_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync();
        await using NpgsqlCommand command = connection.CreateCommand();
#pragma warning disable CA2100 // The name is generated above from hex digits only.
        command.CommandText = $"CREATE DATABASE {name}";
#pragma warning restore CA2100
        await command.ExecuteNonQueryAsync();
        return new PostgresDatabase(adminConnectionString, name);
    }

    public override IVaultStore NewStore()
    {
        NpgsqlDataSource dataSource = PostgresVaultStore.CreateDataSource(ConnectionString);
        lock (_dataSources)
        {
            _dataSources.Add(dataSource);
        }

        return new PostgresVaultStore(dataSource);
    }

    protected override async Task<DbConnection> OpenConnectionAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    protected override Task<IReadOnlyList<string>> ListTablesAsync(DbConnection connection) =>
        ReadStringsAsync(connection,
            "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables " +
            "WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1");

    /// <summary>Every row of every table as PostgreSQL renders it (<c>SELECT t::text FROM table t</c>; bytea as <c>\x…</c> hex).</summary>
    public async Task<IReadOnlyList<string>> DumpRowsAsTextAsync()
    {
        var rows = new List<string>();
        await using DbConnection connection = await OpenConnectionAsync();
        foreach (string table in await ListTablesAsync(connection))
        {
            foreach (string row in await ReadStringsAsync(connection, $"SELECT t::text FROM {table} t"))
            {
                rows.Add(table + ": " + row);
            }
        }

        return rows;
    }

    /// <summary>Runs <c>CHECKPOINT</c> (superuser) so that every committed change is in the data files, not only in the WAL.</summary>
    public async Task CheckpointAsync()
    {
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        await using NpgsqlCommand command = connection.CreateCommand();
        command.CommandText = "CHECKPOINT";
        await command.ExecuteNonQueryAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        NpgsqlDataSource[] dataSources;
        lock (_dataSources)
        {
            dataSources = [.. _dataSources];
            _dataSources.Clear();
        }

        foreach (NpgsqlDataSource dataSource in dataSources)
        {
            await dataSource.DisposeAsync();
        }

        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        await using NpgsqlCommand command = connection.CreateCommand();
#pragma warning disable CA2100 // The name is generated from hex digits only.
        command.CommandText = $"DROP DATABASE IF EXISTS {Name} WITH (FORCE)";
#pragma warning restore CA2100
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>
/// Class fixture: one migrated database per test class, plus fresh empty ones on demand.
/// A skipped engine (PostgreSQL without a server, outside CI) has <see cref="SkipReason"/> set and no database.
/// </summary>
public abstract class StoreFixture : IAsyncLifetime
{
    private readonly List<StoreDatabase> _databases = [];
    private StoreDatabase? _database;
    private IVaultStore? _store;

    /// <summary>Why this engine's tests are skipped, or null when they run.</summary>
    public string? SkipReason { get; private set; }

    public StoreDatabase Database => _database ?? throw new InvalidOperationException(SkipReason ?? "Fixture not initialised.");

    /// <summary>The migrated store shared by the tests of one class. Tests isolate themselves by creating their own tenants.</summary>
    public IVaultStore Store => _store ?? throw new InvalidOperationException(SkipReason ?? "Fixture not initialised.");

    /// <summary>Creates another, empty and unmigrated, database of this engine; disposed with the fixture.</summary>
    public async Task<StoreDatabase> CreateDatabaseAsync()
    {
        StoreDatabase database = await CreateDatabaseCoreAsync();
        lock (_databases)
        {
            _databases.Add(database);
        }

        return database;
    }

    /// <summary>A fresh, migrated database of this engine with the vault's services over it (skips the test when the engine is absent).</summary>
    public async Task<VaultHarness> NewVaultAsync(VaultOptions? options = null)
    {
        Skip.If(SkipReason is not null, SkipReason);
        StoreDatabase database = await CreateDatabaseAsync();
        IVaultStore store = database.NewStore();
        await store.MigrateAsync(CancellationToken.None);
        return new VaultHarness(store, options);
    }

    public async Task InitializeAsync()
    {
        SkipReason = GetSkipReason();
        if (SkipReason is not null)
        {
            return;
        }

        _database = await CreateDatabaseAsync();
        _store = _database.NewStore();
        await _store.MigrateAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        StoreDatabase[] databases;
        lock (_databases)
        {
            databases = [.. _databases];
            _databases.Clear();
        }

        foreach (StoreDatabase database in databases)
        {
            await database.DisposeAsync();
        }
    }

    protected abstract string? GetSkipReason();

    protected abstract Task<StoreDatabase> CreateDatabaseCoreAsync();
}

public sealed class SqliteStoreFixture : StoreFixture
{
    protected override string? GetSkipReason() => null;

    protected override Task<StoreDatabase> CreateDatabaseCoreAsync() => Task.FromResult<StoreDatabase>(new SqliteDatabase());
}

public sealed class PostgresStoreFixture : StoreFixture
{
    protected override string? GetSkipReason() => PostgresTestEnvironment.SkipReason();

    protected override async Task<StoreDatabase> CreateDatabaseCoreAsync() =>
        await PostgresDatabase.CreateAsync(PostgresTestEnvironment.ConnectionString
            ?? throw new InvalidOperationException(PostgresTestEnvironment.ConnectionStringVariable + " is not set."));
}
