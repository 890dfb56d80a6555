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

    protected override IReadOnlyList<string> Migrations { get; } =
    [
        """
        CREATE TABLE tenants (
            id uuid PRIMARY KEY,
            name text NOT NULL,
            created_at bigint NOT NULL
        );
        CREATE TABLE tenant_keys (
            tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            purpose integer NOT NULL,
            version integer NOT NULL,
            provider text NOT NULL,
            kek_version integer NOT NULL,
            wrapped bytea NOT NULL,
            created_at bigint NOT NULL,
            PRIMARY KEY (tenant_id, purpose, version)
        );
        CREATE TABLE api_keys (
            id text PRIMARY KEY,
            tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            name text NULL,
            secret_hash text NOT NULL,
            rights integer NOT NULL,
            created_at bigint NOT NULL,
            expires_at bigint NULL,
            revoked_at bigint NULL
        );
        CREATE INDEX api_keys_tenant ON api_keys (tenant_id);
        CREATE TABLE settings (
            name text PRIMARY KEY,
            value text NOT NULL
        );
        CREATE TABLE pci_tokens (
            id uuid PRIMARY KEY,
            tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            scheme integer NOT NULL,
            first6 text NOT NULL,
            last4 text NOT NULL,
            pan_length integer NOT NULL,
            expiry_month integer NOT NULL,
            expiry_year integer NOT NULL,
            fingerprint bytea NOT NULL,
            ciphertext bytea NOT NULL,
            metadata text NULL,
            created_at bigint NOT NULL,
            expires_at bigint NULL
        );
        CREATE INDEX pci_tokens_tenant_id ON pci_tokens (tenant_id, id);
        CREATE INDEX pci_tokens_fingerprint ON pci_tokens (tenant_id, fingerprint);
        CREATE INDEX pci_tokens_expiry ON pci_tokens (expires_at) WHERE expires_at IS NOT NULL;
        CREATE TABLE sessions (
            id uuid PRIMARY KEY,
            tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            kind integer NOT NULL,
            status integer NOT NULL,
            token_id uuid NULL,
            options text NULL,
            created_at bigint NOT NULL,
            expires_at bigint NOT NULL
        );
        CREATE INDEX sessions_expiry ON sessions (expires_at);
        CREATE TABLE idempotency_keys (
            id uuid NOT NULL,
            tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            idem_key text NOT NULL,
            request_digest bytea NOT NULL,
            status integer NULL,
            response bytea NULL,
            created_at bigint NOT NULL,
            expires_at bigint NOT NULL,
            PRIMARY KEY (tenant_id, idem_key)
        );
        CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
        """,
        """
        ALTER TABLE tenants ADD COLUMN parent_id uuid NULL REFERENCES tenants (id);
        CREATE INDEX tenants_parent ON tenants (parent_id) WHERE parent_id IS NOT NULL;
        CREATE TABLE signing_keys (
            id uuid PRIMARY KEY,
            tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            public_key text NOT NULL UNIQUE,
            sealed_secret bytea NOT NULL,
            key_type integer NOT NULL,
            title text NULL,
            is_enabled integer NOT NULL,
            restrict_access integer NOT NULL,
            access_endpoints text NOT NULL,
            last_nonce bigint NOT NULL,
            last_activity bigint NULL,
            created_at bigint NOT NULL
        );
        CREATE INDEX signing_keys_tenant ON signing_keys (tenant_id, created_at);
        """,
        """
        CREATE TABLE card_tokens (
            id uuid PRIMARY KEY,
            tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            scheme integer NOT NULL,
            first6 text NOT NULL,
            last4 text NOT NULL,
            pan_length integer NOT NULL,
            fingerprint bytea NOT NULL,
            ciphertext bytea NOT NULL,
            created_at bigint NOT NULL
        );
        CREATE INDEX card_tokens_tenant_id ON card_tokens (tenant_id, id);
        CREATE INDEX card_tokens_fingerprint ON card_tokens (tenant_id, fingerprint);
        """,
        """
        ALTER TABLE sessions ADD COLUMN failed_attempts integer NOT NULL DEFAULT 0;
        ALTER TABLE sessions ADD COLUMN completed_at bigint NULL;
        CREATE TABLE tenant_settings (
            tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            name text NOT NULL,
            value text NOT NULL,
            PRIMARY KEY (tenant_id, name)
        );
        """,
        """
        CREATE TABLE network_tokens (
            id uuid PRIMARY KEY,
            tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            scheme integer NOT NULL,
            first6 text NOT NULL,
            last4 text NOT NULL,
            pan_length integer NOT NULL,
            expiry_month integer NOT NULL,
            expiry_year integer NOT NULL,
            fingerprint bytea NOT NULL,
            card_ciphertext bytea NOT NULL,
            token_pan_ciphertext bytea NOT NULL,
            token_expiry_month integer NOT NULL,
            token_expiry_year integer NOT NULL,
            token_type integer NOT NULL,
            scheme_reference text NOT NULL,
            status integer NOT NULL,
            suspended_by integer NOT NULL,
            pci_token_id uuid NULL,
            metadata text NULL,
            cryptogram_counter bigint NOT NULL,
            created_at bigint NOT NULL,
            updated_at bigint NOT NULL
        );
        CREATE INDEX network_tokens_tenant_id ON network_tokens (tenant_id, id);
        CREATE UNIQUE INDEX network_tokens_live_card ON network_tokens (tenant_id, fingerprint) WHERE status <> 4;
        CREATE TABLE network_token_cryptograms (
            token_id uuid NOT NULL REFERENCES network_tokens (id) ON DELETE CASCADE,
            counter bigint NOT NULL,
            tenant_id uuid NOT NULL,
            amount bigint NULL,
            currency text NULL,
            reference_digest bytea NULL UNIQUE,
            created_at bigint NOT NULL,
            expires_at bigint NOT NULL,
            used_at bigint NULL,
            PRIMARY KEY (token_id, counter)
        );
        CREATE INDEX network_token_cryptograms_expiry ON network_token_cryptograms (expires_at);
        CREATE TABLE events (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id uuid NOT NULL UNIQUE,
            tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            type text NOT NULL,
            subject_id uuid NOT NULL,
            data text NOT NULL,
            created_at bigint NOT NULL,
            dispatched_at bigint NULL
        );
        CREATE INDEX events_subject ON events (tenant_id, subject_id, seq);
        CREATE INDEX events_pending ON events (seq) WHERE dispatched_at IS NULL;
        """,
        """
        CREATE TABLE bin_ranges (
            prefix text PRIMARY KEY,
            scheme integer NOT NULL,
            funding integer NOT NULL,
            bank text NOT NULL,
            country text NOT NULL,
            issuer_id text NOT NULL
        );
        CREATE TABLE single_use_tokens (
            id uuid PRIMARY KEY,
            public_id text NOT NULL UNIQUE,
            card_id text NOT NULL,
            tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            scheme integer NOT NULL,
            first6 text NOT NULL,
            last4 text NOT NULL,
            pan_length integer NOT NULL,
            expiry_month integer NOT NULL,
            expiry_year integer NOT NULL,
            fingerprint bytea NOT NULL,
            ciphertext bytea NOT NULL,
            address_ciphertext bytea NULL,
            funding integer NULL,
            issuer_bank text NULL,
            issuer_country text NULL,
            issuer_id text NULL,
            client_ip text NULL,
            created_at bigint NOT NULL,
            expires_at bigint NOT NULL,
            used_at bigint NULL
        );
        CREATE INDEX single_use_tokens_expiry ON single_use_tokens (expires_at);
        """,
        """
        CREATE TABLE key_rotation_jobs (
            id uuid PRIMARY KEY,
            tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            to_version integer NOT NULL,
            status integer NOT NULL,
            stage integer NOT NULL,
            cursor uuid NULL,
            reencrypted bigint NOT NULL,
            created_at bigint NOT NULL,
            updated_at bigint NOT NULL,
            completed_at bigint NULL
        );
        CREATE INDEX key_rotation_jobs_tenant ON key_rotation_jobs (tenant_id, created_at);
        CREATE TABLE audit_log (
            seq bigint PRIMARY KEY,
            id uuid NOT NULL UNIQUE,
            at bigint NOT NULL,
            actor text NOT NULL,
            action text NOT NULL,
            tenant_id uuid NULL,
            target text NULL,
            details text NOT NULL,
            prev_hash bytea NOT NULL,
            hash bytea NOT NULL,
            seal bytea NULL
        );
        CREATE INDEX audit_log_tenant ON audit_log (tenant_id, seq);
        CREATE INDEX audit_log_action ON audit_log (action, seq);
        """,
        """
        CREATE TABLE forward_destinations (
            id uuid PRIMARY KEY,
            tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            scheme text NOT NULL,
            host text NOT NULL,
            port integer NOT NULL,
            allow_private integer NOT NULL,
            ca_certificate text NULL,
            client_identity bytea NULL,
            created_at bigint NOT NULL
        );
        CREATE INDEX forward_destinations_tenant ON forward_destinations (tenant_id);
        """,
        """
        ALTER TABLE network_token_cryptograms ADD COLUMN reference_redeemed_at bigint NULL;
        """,
        """
        ALTER TABLE sessions ADD COLUMN expiry_announced_at bigint NULL;
        ALTER TABLE events ALTER COLUMN subject_id TYPE text USING subject_id::text;
        CREATE INDEX sessions_unannounced ON sessions (expires_at) WHERE expiry_announced_at IS NULL AND status = 1;
        CREATE INDEX events_created ON events (tenant_id, created_at);
        CREATE TABLE webhook_endpoints (
            id uuid PRIMARY KEY,
            tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            url text NOT NULL,
            description text NULL,
            event_types text NOT NULL,
            enabled integer NOT NULL,
            secret bytea NOT NULL,
            previous_secret bytea NULL,
            previous_secret_expires_at bigint NULL,
            created_at bigint NOT NULL,
            updated_at bigint NOT NULL
        );
        CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id);
        CREATE TABLE webhook_deliveries (
            id uuid PRIMARY KEY,
            tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
            endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
            status integer NOT NULL,
            attempts integer NOT NULL,
            next_attempt_at bigint NOT NULL,
            deadline_at bigint NOT NULL,
            claim_id uuid NULL,
            last_status_code integer NULL,
            last_error text NULL,
            created_at bigint NOT NULL,
            completed_at bigint NULL,
            UNIQUE (event_id, endpoint_id)
        );
        CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 1;
        CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, status, created_at);
        CREATE TABLE webhook_attempts (
            id uuid PRIMARY KEY,
            delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
            tenant_id uuid NOT NULL,
            attempt integer NOT NULL,
            started_at bigint NOT NULL,
            duration_ms integer NOT NULL,
            status_code integer NULL,
            error text NULL,
            succeeded integer NOT NULL
        );
        CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt);
        """,
    ];

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

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();
}
