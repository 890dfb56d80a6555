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

    // SQLite has one writer at a time and made concurrent inserts wait in its busy handler, which sleeps 1–100 ms between
    // attempts (docs/benchmarks.md); group commit queues hot inserts in process instead and lets one fsync acknowledge a batch.
    private readonly GroupCommitWriter _groupCommit;

    public SqliteVaultStore(string connectionString)
    {
        _connectionString = connectionString;
        _groupCommit = new GroupCommitWriter(inserts => InsertPciTokensAsync(inserts, CancellationToken.None));
    }

    private const string ConnectionPragmas = "PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; PRAGMA synchronous = FULL;";

    private static readonly object Configured = new();

    /// <summary>Native connections (kept alive by the pool) that already ran <see cref="ConnectionPragmas"/>.</summary>
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<SQLitePCL.sqlite3, object> _configured = new();

    private int _walEnabled;

    public override string Engine => "sqlite";

    /// <summary>Through group commit: returns once the transaction holding this token has committed.</summary>
    public override Task InsertPciTokenAsync(Core.Tokens.PciTokenRecord token, Core.Events.VaultEvent created, Core.Idempotency.IdempotencyCompletion? completion, CancellationToken cancellationToken) =>
        _groupCommit.InsertAsync(new Core.Storage.PciTokenInsert(token, created, completion), cancellationToken);

    /// <summary>Writes what is still queued, then stops the group-commit loop.</summary>
    public ValueTask DisposeAsync() => _groupCommit.DisposeAsync();

    public void Dispose() => _groupCommit.DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Connection string for a database file at <paramref name="path"/>.</summary>
    public static string ConnectionStringFor(string path) =>
        new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true }.ToString();

    protected override IReadOnlyList<string> Migrations { get; } =
    [
        """
        CREATE TABLE tenants (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            created_at INTEGER NOT NULL
        );
        CREATE TABLE tenant_keys (
            tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            purpose INTEGER NOT NULL,
            version INTEGER NOT NULL,
            provider TEXT NOT NULL,
            kek_version INTEGER NOT NULL,
            wrapped BLOB NOT NULL,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (tenant_id, purpose, version)
        );
        CREATE TABLE api_keys (
            id TEXT PRIMARY KEY,
            tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            name TEXT NULL,
            secret_hash TEXT NOT NULL,
            rights INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NULL,
            revoked_at INTEGER NULL
        );
        CREATE INDEX api_keys_tenant ON api_keys (tenant_id);
        CREATE TABLE settings (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE pci_tokens (
            id TEXT PRIMARY KEY,
            tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            scheme INTEGER NOT NULL,
            first6 TEXT NOT NULL,
            last4 TEXT NOT NULL,
            pan_length INTEGER NOT NULL,
            expiry_month INTEGER NOT NULL,
            expiry_year INTEGER NOT NULL,
            fingerprint BLOB NOT NULL,
            ciphertext BLOB NOT NULL,
            metadata TEXT NULL,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NULL
        );
        CREATE INDEX pci_tokens_tenant_id ON pci_tokens (tenant_id, id);
        CREATE INDEX pci_tokens_fingerprint ON pci_tokens (tenant_id, fingerprint);
        CREATE INDEX pci_tokens_expiry ON pci_tokens (expires_at) WHERE expires_at IS NOT NULL;
        CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            kind INTEGER NOT NULL,
            status INTEGER NOT NULL,
            token_id TEXT NULL,
            options TEXT NULL,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL
        );
        CREATE INDEX sessions_expiry ON sessions (expires_at);
        CREATE TABLE idempotency_keys (
            id TEXT NOT NULL,
            tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            idem_key TEXT NOT NULL,
            request_digest BLOB NOT NULL,
            status INTEGER NULL,
            response BLOB NULL,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            PRIMARY KEY (tenant_id, idem_key)
        );
        CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
        """,
        """
        ALTER TABLE tenants ADD COLUMN parent_id TEXT NULL REFERENCES tenants (id);
        CREATE INDEX tenants_parent ON tenants (parent_id) WHERE parent_id IS NOT NULL;
        CREATE TABLE signing_keys (
            id TEXT PRIMARY KEY,
            tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            public_key TEXT NOT NULL UNIQUE,
            sealed_secret BLOB NOT NULL,
            key_type INTEGER NOT NULL,
            title TEXT NULL,
            is_enabled INTEGER NOT NULL,
            restrict_access INTEGER NOT NULL,
            access_endpoints TEXT NOT NULL,
            last_nonce INTEGER NOT NULL,
            last_activity INTEGER NULL,
            created_at INTEGER NOT NULL
        );
        CREATE INDEX signing_keys_tenant ON signing_keys (tenant_id, created_at);
        """,
        """
        CREATE TABLE card_tokens (
            id TEXT PRIMARY KEY,
            tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            scheme INTEGER NOT NULL,
            first6 TEXT NOT NULL,
            last4 TEXT NOT NULL,
            pan_length INTEGER NOT NULL,
            fingerprint BLOB NOT NULL,
            ciphertext BLOB NOT NULL,
            created_at INTEGER NOT NULL
        );
        CREATE INDEX card_tokens_tenant_id ON card_tokens (tenant_id, id);
        CREATE INDEX card_tokens_fingerprint ON card_tokens (tenant_id, fingerprint);
        """,
        """
        ALTER TABLE sessions ADD COLUMN failed_attempts INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE sessions ADD COLUMN completed_at INTEGER NULL;
        CREATE TABLE tenant_settings (
            tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (tenant_id, name)
        );
        """,
        """
        CREATE TABLE network_tokens (
            id TEXT PRIMARY KEY,
            tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            scheme INTEGER NOT NULL,
            first6 TEXT NOT NULL,
            last4 TEXT NOT NULL,
            pan_length INTEGER NOT NULL,
            expiry_month INTEGER NOT NULL,
            expiry_year INTEGER NOT NULL,
            fingerprint BLOB NOT NULL,
            card_ciphertext BLOB NOT NULL,
            token_pan_ciphertext BLOB NOT NULL,
            token_expiry_month INTEGER NOT NULL,
            token_expiry_year INTEGER NOT NULL,
            token_type INTEGER NOT NULL,
            scheme_reference TEXT NOT NULL,
            status INTEGER NOT NULL,
            suspended_by INTEGER NOT NULL,
            pci_token_id TEXT NULL,
            metadata TEXT NULL,
            cryptogram_counter INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        );
        CREATE INDEX network_tokens_tenant_id ON network_tokens (tenant_id, id);
        CREATE UNIQUE INDEX network_tokens_live_card ON network_tokens (tenant_id, fingerprint) WHERE status <> 4;
        CREATE TABLE network_token_cryptograms (
            token_id TEXT NOT NULL REFERENCES network_tokens (id) ON DELETE CASCADE,
            counter INTEGER NOT NULL,
            tenant_id TEXT NOT NULL,
            amount INTEGER NULL,
            currency TEXT NULL,
            reference_digest BLOB NULL UNIQUE,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            used_at INTEGER NULL,
            PRIMARY KEY (token_id, counter)
        );
        CREATE INDEX network_token_cryptograms_expiry ON network_token_cryptograms (expires_at);
        CREATE TABLE events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            type TEXT NOT NULL,
            subject_id TEXT NOT NULL,
            data TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            dispatched_at INTEGER NULL
        );
        CREATE INDEX events_subject ON events (tenant_id, subject_id, seq);
        CREATE INDEX events_pending ON events (seq) WHERE dispatched_at IS NULL;
        """,
        """
        CREATE TABLE bin_ranges (
            prefix TEXT PRIMARY KEY,
            scheme INTEGER NOT NULL,
            funding INTEGER NOT NULL,
            bank TEXT NOT NULL,
            country TEXT NOT NULL,
            issuer_id TEXT NOT NULL
        );
        CREATE TABLE single_use_tokens (
            id TEXT PRIMARY KEY,
            public_id TEXT NOT NULL UNIQUE,
            card_id TEXT NOT NULL,
            tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            scheme INTEGER NOT NULL,
            first6 TEXT NOT NULL,
            last4 TEXT NOT NULL,
            pan_length INTEGER NOT NULL,
            expiry_month INTEGER NOT NULL,
            expiry_year INTEGER NOT NULL,
            fingerprint BLOB NOT NULL,
            ciphertext BLOB NOT NULL,
            address_ciphertext BLOB NULL,
            funding INTEGER NULL,
            issuer_bank TEXT NULL,
            issuer_country TEXT NULL,
            issuer_id TEXT NULL,
            client_ip TEXT NULL,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            used_at INTEGER NULL
        );
        CREATE INDEX single_use_tokens_expiry ON single_use_tokens (expires_at);
        """,
        """
        CREATE TABLE key_rotation_jobs (
            id TEXT PRIMARY KEY,
            tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            to_version INTEGER NOT NULL,
            status INTEGER NOT NULL,
            stage INTEGER NOT NULL,
            cursor TEXT NULL,
            reencrypted INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            completed_at INTEGER NULL
        );
        CREATE INDEX key_rotation_jobs_tenant ON key_rotation_jobs (tenant_id, created_at);
        CREATE TABLE audit_log (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            at INTEGER NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            tenant_id TEXT NULL,
            target TEXT NULL,
            details TEXT NOT NULL,
            prev_hash BLOB NOT NULL,
            hash BLOB NOT NULL,
            seal BLOB NULL
        );
        CREATE INDEX audit_log_tenant ON audit_log (tenant_id, seq);
        CREATE INDEX audit_log_action ON audit_log (action, seq);
        """,
        """
        CREATE TABLE forward_destinations (
            id TEXT PRIMARY KEY,
            tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            scheme TEXT NOT NULL,
            host TEXT NOT NULL,
            port INTEGER NOT NULL,
            allow_private INTEGER NOT NULL,
            ca_certificate TEXT NULL,
            client_identity BLOB NULL,
            created_at INTEGER NOT NULL
        );
        CREATE INDEX forward_destinations_tenant ON forward_destinations (tenant_id);
        """,
        """
        ALTER TABLE network_token_cryptograms ADD COLUMN reference_redeemed_at INTEGER NULL;
        """,
        """
        ALTER TABLE sessions ADD COLUMN expiry_announced_at INTEGER NULL;
        CREATE INDEX sessions_unannounced ON sessions (expires_at) WHERE expiry_announced_at IS NULL AND status = 1;
        CREATE INDEX events_created ON events (tenant_id, created_at);
        CREATE TABLE webhook_endpoints (
            id TEXT PRIMARY KEY,
            tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            url TEXT NOT NULL,
            description TEXT NULL,
            event_types TEXT NOT NULL,
            enabled INTEGER NOT NULL,
            secret BLOB NOT NULL,
            previous_secret BLOB NULL,
            previous_secret_expires_at INTEGER NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        );
        CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id);
        CREATE TABLE webhook_deliveries (
            id TEXT PRIMARY KEY,
            tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
            endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
            status INTEGER NOT NULL,
            attempts INTEGER NOT NULL,
            next_attempt_at INTEGER NOT NULL,
            deadline_at INTEGER NOT NULL,
            claim_id TEXT NULL,
            last_status_code INTEGER NULL,
            last_error TEXT NULL,
            created_at INTEGER NOT NULL,
            completed_at INTEGER NULL,
            UNIQUE (event_id, endpoint_id)
        );
        CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 1;
        CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, status, created_at);
        CREATE TABLE webhook_attempts (
            id TEXT PRIMARY KEY,
            delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
            tenant_id TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            started_at INTEGER NOT NULL,
            duration_ms INTEGER NOT NULL,
            status_code INTEGER NULL,
            error TEXT NULL,
            succeeded INTEGER NOT NULL
        );
        CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt);
        """,
    ];

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
