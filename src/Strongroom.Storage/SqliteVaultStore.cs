using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Strongroom.Storage;

/// <summary>
/// The embedded default: one SQLite file in WAL mode. Every connection turns on
/// <c>secure_delete</c> (deleted rows are zero-filled, not left in free pages), foreign keys,
/// <c>synchronous=FULL</c> (a committed token survives power loss) and a busy timeout for writers.
/// </summary>
public sealed class SqliteVaultStore : SqlVaultStore, IAsyncDisposable, IDisposable
{
    private readonly string _connectionString;

    // SQLite has one writer at a time and made concurrent writers wait in its busy handler, which sleeps 1–100 ms between
    // attempts (docs/benchmarks.md); group commit queues the hot writes (tokens and idempotency reservations) in process
    // instead, and one writer connection with prepared statements lets one fsync acknowledge a batch.
    private readonly GroupCommitWriter<SqliteWrite> _groupCommit;
    private readonly SqliteTokenWriter _writer;
    private readonly SqliteCheckpointer _checkpointer;
    private readonly SqlitePreparedReads _hotReads;

    public SqliteVaultStore(string connectionString)
    {
        _connectionString = connectionString;
        _checkpointer = new SqliteCheckpointer(OpenAsync);
        _hotReads = new SqlitePreparedReads(OpenAsync);
        _writer = new SqliteTokenWriter(OpenAsync, _checkpointer.AfterCommit);
        _groupCommit = new GroupCommitWriter<SqliteWrite>("sqlite", writers: 1, _writer.WriteAsync);
    }

    private const string ConnectionPragmas = "PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; PRAGMA synchronous = FULL;";

    private static readonly object Configured = new();

    /// <summary>Native connections (kept alive by the pool) that already ran <see cref="ConnectionPragmas"/>.</summary>
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<SQLitePCL.sqlite3, object> _configured = new();

    private int _walEnabled;

    public override string Engine => "sqlite";

    /// <summary>Through group commit: returns once the transaction holding this token has committed.</summary>
    public override Task InsertPciTokenAsync(Core.Tokens.PciTokenRecord token, Core.Events.VaultEvent created, Core.Idempotency.IdempotencyCompletion? completion, CancellationToken cancellationToken) =>
        _groupCommit.WriteAsync(new SqliteWrite.Token(new Core.Tokens.PciTokenInsert(token, created, completion)), cancellationToken);

    /// <summary>
    /// Through group commit as well: a reservation on its own transaction contended with the token batches for the write lock
    /// and slept in the busy handler (a fifth of requests carrying a key cut tokens/s by 4×, bench/profiles.md).
    /// </summary>
    public override Task<bool> TryReserveIdempotencyKeyAsync(Core.Idempotency.IdempotencyRecord reservation, DateTimeOffset now, CancellationToken cancellationToken) =>
        _groupCommit.WriteAsync(new SqliteWrite.Reservation(reservation, now), cancellationToken);

    /// <summary>Writes what is still queued, then stops the group-commit loop, the writer connection, the checkpointer and the readers.</summary>
    public async ValueTask DisposeAsync()
    {
        await _groupCommit.DisposeAsync();
        await _writer.DisposeAsync();
        await _checkpointer.DisposeAsync();
        await _hotReads.DisposeAsync();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Hot reads from connections that keep their statements prepared.</summary>
    protected override Task<IReadOnlyList<T>> QueryHotAsync<T>(string sql, Func<DbDataReader, T> read, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        _hotReads.QueryAsync(sql, read, parameters, cancellationToken);

    /// <summary>Connection string for a database file at <paramref name="path"/>.</summary>
    public static string ConnectionStringFor(string path) =>
        new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true }.ToString();

    protected override IReadOnlyList<string> Migrations { get; } = MigrationScripts.Load("sqlite");

    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            if (Volatile.Read(ref _walEnabled) == 0)
            {
                // journal_mode is a property of the file, set once (racing connections set it twice, harmlessly);
                // the flag is raised only after it succeeded. The other pragmas are per connection.
                await ExecuteAsync(connection, null, "PRAGMA journal_mode = WAL;", cancellationToken);
                Volatile.Write(ref _walEnabled, 1);
            }

            // Pooled connections keep their native handle and with it these per-connection settings: run them once per
            // physical connection, not on every open (four statements before each query cost ~40 % of a masked read).
            if (connection.Handle is { } handle && !_configured.TryGetValue(handle, out _))
            {
                await ExecuteAsync(connection, null, ConnectionPragmas, cancellationToken);
                _configured.AddOrUpdate(handle, Configured);
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    protected override object IdParameter(Guid id) => id.ToString("D");

    // SQLite serialises writers itself, and Microsoft.Data.Sqlite begins transactions IMMEDIATE: nothing more to lock.
    protected override Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) => Task.CompletedTask;
}
