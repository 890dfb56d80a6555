using System.Data.Common;
using Strongroom.Core.Audit;
using Strongroom.Core.Bins;
using Strongroom.Core.Cards;
using Strongroom.Core.Crypto;
using Strongroom.Core.Events;
using Strongroom.Core.Forwarding;
using Strongroom.Core.Idempotency;
using Strongroom.Core.Keys;
using Strongroom.Core.NetworkTokens;
using Strongroom.Core.Sessions;
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
    private const string TokenColumns = "id, tenant_id, scheme, first6, last4, pan_length, expiry_month, expiry_year, fingerprint, ciphertext, metadata, created_at, expires_at";
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

    // Tenants.

    public async Task CreateTenantAsync(Tenant tenant, IReadOnlyList<TenantKeyRecord> keys, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, "INSERT INTO tenants (id, name, created_at, parent_id) VALUES (@id, @name, @created, @parent)", cancellationToken,
            ("id", IdParameter(tenant.Id)), ("name", tenant.Name), ("created", Ms(tenant.CreatedAt)),
            ("parent", tenant.ParentId is Guid parent ? IdParameter(parent) : null));
        foreach (TenantKeyRecord key in keys)
        {
            await ExecuteAsync(connection, transaction,
                "INSERT INTO tenant_keys (tenant_id, purpose, version, provider, kek_version, wrapped, created_at) VALUES (@t, @p, @v, @provider, @kek, @wrapped, @created)",
                cancellationToken,
                ("t", IdParameter(key.TenantId)), ("p", (int)key.Purpose), ("v", key.Version), ("provider", key.Provider),
                ("kek", key.KekVersion), ("wrapped", key.Wrapped), ("created", Ms(key.CreatedAt)));
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<Tenant?> GetTenantAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        IReadOnlyList<Tenant> rows = await QueryAsync("SELECT id, name, created_at, parent_id FROM tenants WHERE id = @id", ReadTenant, cancellationToken, ("id", IdParameter(tenantId)));
        return rows.Count == 0 ? null : rows[0];
    }

    public Task<IReadOnlyList<Tenant>> ListTenantsAsync(CancellationToken cancellationToken) =>
        QueryAsync("SELECT id, name, created_at, parent_id FROM tenants ORDER BY id", ReadTenant, cancellationToken);

    public Task<IReadOnlyList<Tenant>> ListSubAccountsAsync(Guid accountId, CancellationToken cancellationToken) =>
        QueryAsync("SELECT id, name, created_at, parent_id FROM tenants WHERE parent_id = @p ORDER BY id", ReadTenant, cancellationToken, ("p", IdParameter(accountId)));

    public Task<IReadOnlyList<TenantKeyRecord>> GetTenantKeysAsync(Guid tenantId, CancellationToken cancellationToken) =>
        QueryAsync(
            "SELECT tenant_id, purpose, version, provider, kek_version, wrapped, created_at FROM tenant_keys WHERE tenant_id = @t ORDER BY purpose, version",
            r => new TenantKeyRecord(r.GetGuid(0), (TenantKeyPurpose)r.GetInt32(1), r.GetInt32(2), r.GetString(3), r.GetInt32(4), (byte[])r.GetValue(5), FromMs(r.GetInt64(6))),
            cancellationToken,
            ("t", IdParameter(tenantId)));

    // Key management.

    public async Task AddTenantKeyAsync(TenantKeyRecord key, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null,
            "INSERT INTO tenant_keys (tenant_id, purpose, version, provider, kek_version, wrapped, created_at) VALUES (@t, @p, @v, @provider, @kek, @wrapped, @created)",
            cancellationToken,
            ("t", IdParameter(key.TenantId)), ("p", (int)key.Purpose), ("v", key.Version), ("provider", key.Provider),
            ("kek", key.KekVersion), ("wrapped", key.Wrapped), ("created", Ms(key.CreatedAt)));
    }

    public async Task<bool> RewrapTenantKeyAsync(TenantKeyRecord key, int expectedKekVersion, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null,
            "UPDATE tenant_keys SET provider = @provider, kek_version = @kek, wrapped = @wrapped WHERE tenant_id = @t AND purpose = @p AND version = @v AND kek_version = @expected",
            cancellationToken,
            ("t", IdParameter(key.TenantId)), ("p", (int)key.Purpose), ("v", key.Version), ("provider", key.Provider),
            ("kek", key.KekVersion), ("wrapped", key.Wrapped), ("expected", expectedKekVersion)) == 1;
    }

    public async Task<int> DeleteTenantKeysBelowAsync(Guid tenantId, TenantKeyPurpose purpose, int keepFromVersion, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null, "DELETE FROM tenant_keys WHERE tenant_id = @t AND purpose = @p AND version < @v", cancellationToken,
            ("t", IdParameter(tenantId)), ("p", (int)purpose), ("v", keepFromVersion));
    }

    public Task<IReadOnlyList<int>> ListKekVersionsInUseAsync(CancellationToken cancellationToken) =>
        QueryAsync("SELECT DISTINCT kek_version FROM tenant_keys ORDER BY kek_version", r => r.GetInt32(0), cancellationToken);

    public Task<IReadOnlyList<SealedValue>> ListSealedAsync(SealedColumn column, Guid tenantId, Guid? after, int limit, CancellationToken cancellationToken)
    {
        (string table, string id, string sealedColumn) = SealedColumns.Location(column);
        string afterClause = after is null ? "" : $" AND {id} > @after";
        return QueryAsync(
            $"SELECT {id}, {sealedColumn} FROM {table} WHERE tenant_id = @t AND {sealedColumn} IS NOT NULL AND length({sealedColumn}) > 0{afterClause} ORDER BY {id} LIMIT @n",
            r => new SealedValue(r.GetGuid(0), (byte[])r.GetValue(1)),
            cancellationToken, ("t", IdParameter(tenantId)), ("after", after is Guid a ? IdParameter(a) : null), ("n", limit));
    }

    public async Task<long> CountSealedAsync(SealedColumn column, Guid tenantId, CancellationToken cancellationToken)
    {
        (string table, _, string sealedColumn) = SealedColumns.Location(column);
        IReadOnlyList<long> rows = await QueryAsync($"SELECT COUNT(*) FROM {table} WHERE tenant_id = @t AND {sealedColumn} IS NOT NULL AND length({sealedColumn}) > 0",
            r => r.GetInt64(0), cancellationToken, ("t", IdParameter(tenantId)));
        return rows[0];
    }

    public async Task<bool> ReplaceSealedAsync(SealedColumn column, Guid tenantId, Guid recordId, byte[] expected, byte[] replacement, CancellationToken cancellationToken)
    {
        (string table, string id, string sealedColumn) = SealedColumns.Location(column);
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null,
            $"UPDATE {table} SET {sealedColumn} = @new WHERE tenant_id = @t AND {id} = @id AND {sealedColumn} = @old",
            cancellationToken, ("t", IdParameter(tenantId)), ("id", IdParameter(recordId)), ("old", expected), ("new", replacement)) == 1;
    }

    private const string RotationJobColumns = "id, tenant_id, to_version, status, stage, cursor, reencrypted, created_at, updated_at, completed_at";

    public async Task InsertRotationJobAsync(RotationJob job, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null,
            $"INSERT INTO key_rotation_jobs ({RotationJobColumns}) VALUES (@id, @t, @to, @status, @stage, @cursor, @done, @created, @updated, @completed)",
            cancellationToken, RotationJobParameters(job));
    }

    public async Task UpdateRotationJobAsync(RotationJob job, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null,
            "UPDATE key_rotation_jobs SET status = @status, stage = @stage, cursor = @cursor, reencrypted = @done, updated_at = @updated, completed_at = @completed " +
            "WHERE id = @id AND tenant_id = @t AND to_version = @to AND created_at = @created",
            cancellationToken, RotationJobParameters(job));
    }

    public Task<IReadOnlyList<RotationJob>> ListRotationJobsAsync(Guid? tenantId, CancellationToken cancellationToken) =>
        QueryAsync(
            $"SELECT {RotationJobColumns} FROM key_rotation_jobs{(tenantId is null ? "" : " WHERE tenant_id = @t")} ORDER BY created_at DESC, id DESC",
            r => new RotationJob(r.GetGuid(0), r.GetGuid(1), r.GetInt32(2), (RotationJobStatus)r.GetInt32(3), r.GetInt32(4), r.IsDBNull(5) ? null : r.GetGuid(5),
                r.GetInt64(6), FromMs(r.GetInt64(7)), FromMs(r.GetInt64(8)), FromMsOrNull(r, 9)),
            cancellationToken, ("t", tenantId is Guid t ? IdParameter(t) : null));

    private (string Name, object? Value)[] RotationJobParameters(RotationJob job) =>
    [
        ("id", IdParameter(job.Id)), ("t", IdParameter(job.TenantId)), ("to", job.ToVersion), ("status", (int)job.Status), ("stage", job.Stage),
        ("cursor", job.Cursor is Guid c ? IdParameter(c) : null), ("done", job.Reencrypted), ("created", Ms(job.CreatedAt)), ("updated", Ms(job.UpdatedAt)),
        ("completed", Ms(job.CompletedAt)),
    ];

    public async Task<bool> DeleteTenantAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null, "DELETE FROM tenants WHERE id = @t", cancellationToken, ("t", IdParameter(tenantId))) == 1;
    }

    // Forwarding.

    public Task<IReadOnlyList<ForwardDestination>> ListForwardDestinationsAsync(Guid tenantId, CancellationToken cancellationToken) =>
        QueryAsync(
            "SELECT id, tenant_id, scheme, host, port, allow_private, ca_certificate, client_identity, created_at FROM forward_destinations WHERE tenant_id = @t ORDER BY created_at, id",
            r => new ForwardDestination(r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.GetString(3), r.GetInt32(4), r.GetInt32(5) != 0,
                r.IsDBNull(6) ? null : r.GetString(6), r.IsDBNull(7) ? null : (byte[])r.GetValue(7), FromMs(r.GetInt64(8))),
            cancellationToken, ("t", IdParameter(tenantId)));

    public async Task ReplaceForwardDestinationsAsync(Guid tenantId, IReadOnlyList<ForwardDestination> destinations, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, "DELETE FROM forward_destinations WHERE tenant_id = @t", cancellationToken, ("t", IdParameter(tenantId)));
        foreach (ForwardDestination d in destinations)
        {
            await ExecuteAsync(connection, transaction,
                "INSERT INTO forward_destinations (id, tenant_id, scheme, host, port, allow_private, ca_certificate, client_identity, created_at) " +
                "VALUES (@id, @t, @scheme, @host, @port, @private, @ca, @identity, @created)",
                cancellationToken,
                ("id", IdParameter(d.Id)), ("t", IdParameter(tenantId)), ("scheme", d.Scheme), ("host", d.Host), ("port", d.Port),
                ("private", d.AllowPrivateNetwork ? 1 : 0), ("ca", d.CaCertificatePem), ("identity", d.ClientIdentity), ("created", Ms(d.CreatedAt)));
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<CryptogramRecord?> GetCryptogramByReferenceAsync(Guid tenantId, byte[] referenceDigest, CancellationToken cancellationToken)
    {
        IReadOnlyList<CryptogramRecord> rows = await QueryAsync(
            "SELECT token_id, tenant_id, counter, amount, currency, reference_digest, created_at, expires_at, used_at, reference_redeemed_at FROM network_token_cryptograms " +
            "WHERE tenant_id = @t AND reference_digest = @ref",
            r => new CryptogramRecord(r.GetGuid(0), r.GetGuid(1), r.GetInt64(2), r.IsDBNull(3) ? null : r.GetInt64(3), r.IsDBNull(4) ? null : r.GetString(4),
                r.IsDBNull(5) ? null : (byte[])r.GetValue(5), FromMs(r.GetInt64(6)), FromMs(r.GetInt64(7)), FromMsOrNull(r, 8), FromMsOrNull(r, 9)),
            cancellationToken, ("t", IdParameter(tenantId)), ("ref", referenceDigest));
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<bool> TryRedeemCryptogramReferenceAsync(Guid tenantId, Guid tokenId, long counter, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null,
            "UPDATE network_token_cryptograms SET reference_redeemed_at = @now WHERE tenant_id = @t AND token_id = @token AND counter = @counter " +
            "AND reference_redeemed_at IS NULL AND used_at IS NULL AND expires_at > @now",
            cancellationToken, ("t", IdParameter(tenantId)), ("token", IdParameter(tokenId)), ("counter", counter), ("now", Ms(now))) == 1;
    }

    public async Task<bool> ReleaseCryptogramReferenceAsync(Guid tenantId, Guid tokenId, long counter, DateTimeOffset redeemedAt, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null,
            "UPDATE network_token_cryptograms SET reference_redeemed_at = NULL WHERE tenant_id = @t AND token_id = @token AND counter = @counter AND reference_redeemed_at = @redeemed",
            cancellationToken, ("t", IdParameter(tenantId)), ("token", IdParameter(tokenId)), ("counter", counter), ("redeemed", Ms(redeemedAt))) == 1;
    }

    // Audit log.

    private const string AuditColumns = "seq, id, at, actor, action, tenant_id, target, details, prev_hash, hash, seal";

    public async Task<AuditEntry?> GetLastAuditEntryAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<AuditEntry> rows = await QueryAsync($"SELECT {AuditColumns} FROM audit_log ORDER BY seq DESC LIMIT 1", ReadAudit, cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<bool> TryAppendAuditEntryAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null,
            $"INSERT INTO audit_log ({AuditColumns}) VALUES (@seq, @id, @at, @actor, @action, @t, @target, @details, @prev, @hash, @seal) ON CONFLICT DO NOTHING",
            cancellationToken,
            ("seq", entry.Seq), ("id", IdParameter(entry.Id)), ("at", Ms(entry.At)), ("actor", entry.Actor), ("action", entry.Action),
            ("t", entry.TenantId is Guid t ? IdParameter(t) : null), ("target", entry.Target), ("details", entry.DetailsJson),
            ("prev", entry.PreviousHash), ("hash", entry.Hash), ("seal", entry.Seal)) == 1;
    }

    public Task<IReadOnlyList<AuditEntry>> ListAuditEntriesAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        var where = new List<string> { "seq > @after" };
        if (query.TenantId is not null)
        {
            where.Add("tenant_id = @t");
        }

        if (query.Action is not null)
        {
            where.Add("action = @action");
        }

        if (query.Actor is not null)
        {
            where.Add("actor = @actor");
        }

        if (query.From is not null)
        {
            where.Add("at >= @from");
        }

        if (query.To is not null)
        {
            where.Add("at < @to");
        }

        return QueryAsync(
            $"SELECT {AuditColumns} FROM audit_log WHERE {string.Join(" AND ", where)} ORDER BY seq LIMIT @n",
            ReadAudit, cancellationToken,
            ("after", query.AfterSeq ?? 0), ("t", query.TenantId is Guid t ? IdParameter(t) : null), ("action", query.Action), ("actor", query.Actor),
            ("from", Ms(query.From)), ("to", Ms(query.To)), ("n", query.Limit));
    }

    private static AuditEntry ReadAudit(DbDataReader r) => new(
        r.GetInt64(0), r.GetGuid(1), FromMs(r.GetInt64(2)), r.GetString(3), r.GetString(4), r.IsDBNull(5) ? null : r.GetGuid(5),
        r.IsDBNull(6) ? null : r.GetString(6), r.GetString(7), (byte[])r.GetValue(8), (byte[])r.GetValue(9), r.IsDBNull(10) ? null : (byte[])r.GetValue(10));

    // API keys.

    public Task CreateApiKeyAsync(ApiKeyRecord key, VaultEvent created, CancellationToken cancellationToken) =>
        ChangeWithEventsAsync(async (connection, transaction) => await ExecuteAsync(connection, transaction,
            $"INSERT INTO api_keys ({ApiKeyColumns}) VALUES (@id, @t, @name, @hash, @rights, @created, @expires, @revoked)",
            cancellationToken,
            ("id", key.Id), ("t", IdParameter(key.TenantId)), ("name", key.Name), ("hash", key.SecretHash), ("rights", (int)key.Rights),
            ("created", Ms(key.CreatedAt)), ("expires", Ms(key.ExpiresAt)), ("revoked", Ms(key.RevokedAt))) == 1, [created], cancellationToken);

    public async Task<ApiKeyRecord?> GetApiKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        IReadOnlyList<ApiKeyRecord> rows = await QueryAsync($"SELECT {ApiKeyColumns} FROM api_keys WHERE id = @id", ReadApiKey, cancellationToken, ("id", keyId));
        return rows.Count == 0 ? null : rows[0];
    }

    public Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(Guid tenantId, CancellationToken cancellationToken) =>
        QueryAsync($"SELECT {ApiKeyColumns} FROM api_keys WHERE tenant_id = @t ORDER BY created_at, id", ReadApiKey, cancellationToken, ("t", IdParameter(tenantId)));

    public Task<bool> RevokeApiKeyAsync(Guid tenantId, string keyId, DateTimeOffset revokedAt, VaultEvent deleted, CancellationToken cancellationToken) =>
        ChangeWithEventsAsync(async (connection, transaction) => await ExecuteAsync(connection, transaction,
            "UPDATE api_keys SET revoked_at = @at WHERE id = @id AND tenant_id = @t AND revoked_at IS NULL", cancellationToken,
            ("at", Ms(revokedAt)), ("id", keyId), ("t", IdParameter(tenantId))) == 1, [deleted], cancellationToken);

    // Signing keys.

    private const string SigningKeyColumns = "id, tenant_id, public_key, sealed_secret, key_type, title, is_enabled, restrict_access, access_endpoints, last_nonce, last_activity, created_at";

    public Task CreateSigningKeyAsync(SigningKeyRecord key, VaultEvent created, CancellationToken cancellationToken) =>
        ChangeWithEventsAsync(async (connection, transaction) => await ExecuteAsync(connection, transaction,
            $"INSERT INTO signing_keys ({SigningKeyColumns}) VALUES (@id, @t, @pk, @secret, @type, @title, @enabled, @restrict, @endpoints, @nonce, @activity, @created)",
            cancellationToken,
            ("id", IdParameter(key.Id)), ("t", IdParameter(key.TenantId)), ("pk", key.PublicKey), ("secret", key.SealedSecret), ("type", key.Type),
            ("title", key.Title), ("enabled", key.IsEnabled ? 1 : 0), ("restrict", key.RestrictAccess ? 1 : 0),
            ("endpoints", AccessEndpointJson.Serialize(key.AccessEndpoints)), ("nonce", key.LastNonce), ("activity", Ms(key.LastActivity)), ("created", Ms(key.CreatedAt))) == 1,
            [created], cancellationToken);

    public async Task<SigningKeyRecord?> GetSigningKeyByPublicKeyAsync(string publicKey, CancellationToken cancellationToken)
    {
        IReadOnlyList<SigningKeyRecord> rows = await QueryAsync($"SELECT {SigningKeyColumns} FROM signing_keys WHERE public_key = @pk", ReadSigningKey, cancellationToken, ("pk", publicKey));
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<SigningKeyRecord?> GetSigningKeyAsync(Guid tenantId, Guid keyId, CancellationToken cancellationToken)
    {
        IReadOnlyList<SigningKeyRecord> rows = await QueryAsync($"SELECT {SigningKeyColumns} FROM signing_keys WHERE tenant_id = @t AND id = @id", ReadSigningKey, cancellationToken,
            ("t", IdParameter(tenantId)), ("id", IdParameter(keyId)));
        return rows.Count == 0 ? null : rows[0];
    }

    public Task<IReadOnlyList<SigningKeyRecord>> ListSigningKeysAsync(Guid tenantId, int limit, int offset, CancellationToken cancellationToken) =>
        QueryAsync($"SELECT {SigningKeyColumns} FROM signing_keys WHERE tenant_id = @t ORDER BY created_at, id LIMIT @limit OFFSET @offset", ReadSigningKey, cancellationToken,
            ("t", IdParameter(tenantId)), ("limit", limit), ("offset", offset));

    public async Task<int> CountSigningKeysAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        IReadOnlyList<long> rows = await QueryAsync("SELECT COUNT(*) FROM signing_keys WHERE tenant_id = @t", r => r.GetInt64(0), cancellationToken, ("t", IdParameter(tenantId)));
        return (int)rows[0];
    }

    public async Task<bool> UpdateSigningKeyAsync(SigningKeyRecord key, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null,
            "UPDATE signing_keys SET sealed_secret = @secret, title = @title, is_enabled = @enabled, restrict_access = @restrict, access_endpoints = @endpoints " +
            "WHERE tenant_id = @t AND id = @id",
            cancellationToken,
            ("secret", key.SealedSecret), ("title", key.Title), ("enabled", key.IsEnabled ? 1 : 0), ("restrict", key.RestrictAccess ? 1 : 0),
            ("endpoints", AccessEndpointJson.Serialize(key.AccessEndpoints)), ("t", IdParameter(key.TenantId)), ("id", IdParameter(key.Id))) == 1;
    }

    public Task<bool> DeleteSigningKeyAsync(Guid tenantId, Guid keyId, VaultEvent deleted, CancellationToken cancellationToken) =>
        ChangeWithEventsAsync(async (connection, transaction) => await ExecuteAsync(connection, transaction,
            "DELETE FROM signing_keys WHERE tenant_id = @t AND id = @id", cancellationToken,
            ("t", IdParameter(tenantId)), ("id", IdParameter(keyId))) == 1, [deleted], cancellationToken);

    public async Task<bool> TryUseSigningKeyAsync(Guid keyId, long nonce, bool requireIncrease, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return requireIncrease
            ? await ExecuteAsync(connection, null, "UPDATE signing_keys SET last_nonce = @n, last_activity = @now WHERE id = @id AND last_nonce < @n", cancellationToken,
                ("n", nonce), ("now", Ms(now)), ("id", IdParameter(keyId))) == 1
            : await ExecuteAsync(connection, null, "UPDATE signing_keys SET last_activity = @now WHERE id = @id", cancellationToken,
                ("now", Ms(now)), ("id", IdParameter(keyId))) == 1;
    }

    // Settings.

    public async Task<string?> GetSettingAsync(string name, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> rows = await QueryAsync("SELECT value FROM settings WHERE name = @name", r => r.GetString(0), cancellationToken, ("name", name));
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task SetSettingIfNewerAsync(string name, string value, long order, CancellationToken cancellationToken)
    {
        // Settings hold text, whose order prefix the two engines would parse differently in SQL; so the order is compared
        // here and written by compare-and-set on the exact value read, retried when another writer changed it meanwhile.
        // (A read-then-upsert transaction is not enough: under PostgreSQL's READ COMMITTED two writers both read the old
        // value and the older one may commit last, moving the head backwards.)
        await using DbConnection connection = await OpenAsync(cancellationToken);
        while (true)
        {
            object? current = await ScalarAsync(connection, null, "SELECT value FROM settings WHERE name = @name", cancellationToken, ("name", name));
            if (current is not string text)
            {
                if (await ExecuteAsync(connection, null, "INSERT INTO settings (name, value) VALUES (@name, @value) ON CONFLICT (name) DO NOTHING", cancellationToken,
                    ("name", name), ("value", value)) == 1)
                {
                    return;
                }

                continue;
            }

            if (long.TryParse(text.Split(':')[0], System.Globalization.CultureInfo.InvariantCulture, out long existing) && existing > order)
            {
                return;
            }

            if (await ExecuteAsync(connection, null, "UPDATE settings SET value = @value WHERE name = @name AND value = @current", cancellationToken,
                ("name", name), ("value", value), ("current", text)) == 1)
            {
                return;
            }
        }
    }

    public async Task<bool> TryAddSettingAsync(string name, string value, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null, "INSERT INTO settings (name, value) VALUES (@name, @value) ON CONFLICT (name) DO NOTHING", cancellationToken,
            ("name", name), ("value", value)) == 1;
    }

    // PCI tokens.

    public virtual Task InsertPciTokenAsync(PciTokenRecord token, VaultEvent created, IdempotencyCompletion? completion, CancellationToken cancellationToken) =>
        InsertPciTokensAsync([new PciTokenInsert(token, created, completion)], cancellationToken);

    public async Task InsertPciTokensAsync(IReadOnlyList<PciTokenInsert> tokens, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (PciTokenInsert insert in tokens)
        {
            await InsertPciTokenAsync(connection, transaction, insert.Token, cancellationToken);
            await InsertEventAsync(connection, transaction, insert.Created, cancellationToken);
            await CompleteIdempotencyKeyAsync(connection, transaction, insert.Completion, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private Task<int> InsertPciTokenAsync(DbConnection connection, DbTransaction? transaction, PciTokenRecord token, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction,
            $"INSERT INTO pci_tokens ({TokenColumns}) VALUES (@id, @t, @scheme, @first6, @last4, @len, @month, @year, @fp, @ct, @meta, @created, @expires)",
            cancellationToken,
            ("id", IdParameter(token.Id)), ("t", IdParameter(token.TenantId)), ("scheme", (int)token.Scheme), ("first6", token.First6), ("last4", token.LastFour),
            ("len", token.PanLength), ("month", token.ExpiryMonth), ("year", token.ExpiryYear), ("fp", token.Fingerprint), ("ct", token.Ciphertext),
            ("meta", token.MetadataJson), ("created", Ms(token.CreatedAt)), ("expires", Ms(token.ExpiresAt)));

    public async Task<PciTokenRecord?> GetPciTokenAsync(Guid tenantId, Guid tokenId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        IReadOnlyList<PciTokenRecord> rows = await QueryAsync(
            $"SELECT {TokenColumns} FROM pci_tokens WHERE tenant_id = @t AND id = @id AND (expires_at IS NULL OR expires_at > @now)",
            ReadToken, cancellationToken, ("t", IdParameter(tenantId)), ("id", IdParameter(tokenId)), ("now", Ms(now)));
        return rows.Count == 0 ? null : rows[0];
    }

    public Task<IReadOnlyList<PciTokenRecord>> ListPciTokensAsync(Guid tenantId, Guid? after, int limit, DateTimeOffset now, CancellationToken cancellationToken) =>
        after is Guid cursor
            ? QueryAsync(
                $"SELECT {TokenColumns} FROM pci_tokens WHERE tenant_id = @t AND id > @after AND (expires_at IS NULL OR expires_at > @now) ORDER BY id LIMIT @limit",
                ReadToken, cancellationToken, ("t", IdParameter(tenantId)), ("after", IdParameter(cursor)), ("now", Ms(now)), ("limit", limit))
            : QueryAsync(
                $"SELECT {TokenColumns} FROM pci_tokens WHERE tenant_id = @t AND (expires_at IS NULL OR expires_at > @now) ORDER BY id LIMIT @limit",
                ReadToken, cancellationToken, ("t", IdParameter(tenantId)), ("now", Ms(now)), ("limit", limit));

    public Task<bool> DeletePciTokenAsync(Guid tenantId, Guid tokenId, VaultEvent deleted, CancellationToken cancellationToken) =>
        ChangeWithEventsAsync(async (connection, transaction) => await ExecuteAsync(connection, transaction,
            "DELETE FROM pci_tokens WHERE tenant_id = @t AND id = @id", cancellationToken,
            ("t", IdParameter(tenantId)), ("id", IdParameter(tokenId))) == 1, [deleted], cancellationToken);

    public async Task<IReadOnlyList<(Guid TenantId, Guid TokenId)>> PurgeExpiredPciTokensAsync(DateTimeOffset now, int batchSize, Func<Guid, Guid, VaultEvent> expired, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        IReadOnlyList<(Guid TenantId, Guid TokenId)> purged = await QueryAsync(connection, transaction,
            "DELETE FROM pci_tokens WHERE id IN (SELECT id FROM pci_tokens WHERE expires_at IS NOT NULL AND expires_at <= @now LIMIT @n) RETURNING tenant_id, id",
            r => (r.GetGuid(0), r.GetGuid(1)), cancellationToken, ("now", Ms(now)), ("n", batchSize));
        foreach ((Guid tenantId, Guid tokenId) in purged)
        {
            await InsertEventAsync(connection, transaction, expired(tenantId, tokenId), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return purged;
    }

    // Fiat-gateway card tokens.

    public async Task InsertCardTokenAsync(CardTokenRecord token, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null,
            "INSERT INTO card_tokens (id, tenant_id, scheme, first6, last4, pan_length, fingerprint, ciphertext, created_at) " +
            "VALUES (@id, @t, @scheme, @first6, @last4, @len, @fp, @ct, @created)",
            cancellationToken,
            ("id", IdParameter(token.Id)), ("t", IdParameter(token.TenantId)), ("scheme", (int)token.Scheme), ("first6", token.First6), ("last4", token.LastFour),
            ("len", token.PanLength), ("fp", token.Fingerprint), ("ct", token.Ciphertext), ("created", Ms(token.CreatedAt)));
    }

    public async Task<CardTokenRecord?> GetCardTokenAsync(Guid tenantId, Guid tokenId, CancellationToken cancellationToken)
    {
        IReadOnlyList<CardTokenRecord> rows = await QueryAsync(
            "SELECT id, tenant_id, scheme, first6, last4, pan_length, fingerprint, ciphertext, created_at FROM card_tokens WHERE tenant_id = @t AND id = @id",
            r => new CardTokenRecord(r.GetGuid(0), r.GetGuid(1), (CardScheme)r.GetInt32(2), r.GetString(3), r.GetString(4), r.GetInt32(5),
                (byte[])r.GetValue(6), (byte[])r.GetValue(7), FromMs(r.GetInt64(8))),
            cancellationToken, ("t", IdParameter(tenantId)), ("id", IdParameter(tokenId)));
        return rows.Count == 0 ? null : rows[0];
    }

    // Sessions.

    private const string SessionColumns = "id, tenant_id, kind, status, token_id, options, created_at, expires_at, failed_attempts, completed_at";

    public async Task InsertSessionAsync(SessionRecord session, IdempotencyCompletion? completion, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction,
            $"INSERT INTO sessions ({SessionColumns}) VALUES (@id, @t, @kind, @status, @token, @options, @created, @expires, @failed, @completed)",
            cancellationToken,
            ("id", IdParameter(session.Id)), ("t", IdParameter(session.TenantId)), ("kind", (int)session.Kind), ("status", (int)session.Status),
            ("token", session.TokenId is Guid tokenId ? IdParameter(tokenId) : null), ("options", session.OptionsJson),
            ("created", Ms(session.CreatedAt)), ("expires", Ms(session.ExpiresAt)), ("failed", session.FailedAttempts), ("completed", Ms(session.CompletedAt)));
        await CompleteIdempotencyKeyAsync(connection, transaction, completion, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<SessionRecord?> GetSessionAsync(Guid tenantId, Guid sessionId, CancellationToken cancellationToken)
    {
        IReadOnlyList<SessionRecord> rows = await QueryAsync($"SELECT {SessionColumns} FROM sessions WHERE tenant_id = @t AND id = @id", ReadSession,
            cancellationToken, ("t", IdParameter(tenantId)), ("id", IdParameter(sessionId)));
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<SessionRecord?> FindSessionAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        IReadOnlyList<SessionRecord> rows = await QueryAsync($"SELECT {SessionColumns} FROM sessions WHERE id = @id", ReadSession,
            cancellationToken, ("id", IdParameter(sessionId)));
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<int?> RecordFailedSessionAttemptAsync(Guid sessionId, int maxFailedAttempts, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // SET expressions see the row's old values, so both columns move together in one statement.
        IReadOnlyList<int> rows = await QueryAsync(
            "UPDATE sessions SET failed_attempts = failed_attempts + 1, " +
            "status = CASE WHEN failed_attempts + 1 >= @max THEN @locked ELSE status END " +
            "WHERE id = @id AND status = @created AND expires_at > @now RETURNING failed_attempts",
            r => r.GetInt32(0), cancellationToken,
            ("id", IdParameter(sessionId)), ("max", maxFailedAttempts), ("locked", (int)SessionStatus.Locked), ("created", (int)SessionStatus.Created), ("now", Ms(now)));
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<SessionWriteResult> TryCompleteSessionAsync(Guid sessionId, Guid tokenId, DateTimeOffset now, SessionCompletionWrites writes, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        int completed = await ExecuteAsync(connection, transaction,
            "UPDATE sessions SET status = @completed, token_id = @token, completed_at = @now WHERE id = @id AND status = @created AND expires_at > @now",
            cancellationToken,
            ("id", IdParameter(sessionId)), ("token", IdParameter(tokenId)), ("now", Ms(now)),
            ("completed", (int)SessionStatus.Completed), ("created", (int)SessionStatus.Created));
        if (completed != 1)
        {
            await transaction.RollbackAsync(cancellationToken);
            return SessionWriteResult.SessionClosed;
        }

        if (writes.PciToken is not null)
        {
            await InsertPciTokenAsync(connection, transaction, writes.PciToken, cancellationToken);
        }

        if (writes.NetworkToken is not null && await InsertNetworkTokenAsync(connection, transaction, writes.NetworkToken, cancellationToken) != 1)
        {
            await transaction.RollbackAsync(cancellationToken);
            return SessionWriteResult.TokenConflict;
        }

        foreach (VaultEvent vaultEvent in writes.Events ?? [])
        {
            await InsertEventAsync(connection, transaction, vaultEvent, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return SessionWriteResult.Completed;
    }

    public async Task<int> AnnounceExpiredSessionsAsync(DateTimeOffset now, int batchSize, Func<SessionRecord, VaultEvent> expired, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);

        // The status test in the UPDATE is the compare-and-set: a session completed since it was selected stays unannounced.
        IReadOnlyList<SessionRecord> announced = await QueryAsync(connection, transaction,
            $"UPDATE sessions SET expiry_announced_at = @now WHERE id IN (SELECT id FROM sessions WHERE status = @created AND expires_at <= @now " +
            $"AND expiry_announced_at IS NULL ORDER BY expires_at LIMIT @n) AND status = @created AND expiry_announced_at IS NULL RETURNING {SessionColumns}",
            ReadSession, cancellationToken, ("now", Ms(now)), ("created", (int)SessionStatus.Created), ("n", batchSize));
        foreach (SessionRecord session in announced)
        {
            await InsertEventAsync(connection, transaction, expired(session), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return announced.Count;
    }

    public async Task<int> PurgeSessionsAsync(DateTimeOffset expiredBefore, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null, "DELETE FROM sessions WHERE expires_at <= @before", cancellationToken, ("before", Ms(expiredBefore)));
    }

    private static SessionRecord ReadSession(DbDataReader r) => new(
        r.GetGuid(0), r.GetGuid(1), (SessionKind)r.GetInt32(2), (SessionStatus)r.GetInt32(3),
        r.IsDBNull(4) ? null : r.GetGuid(4), r.IsDBNull(5) ? null : r.GetString(5), FromMs(r.GetInt64(6)), FromMs(r.GetInt64(7)),
        r.GetInt32(8), FromMsOrNull(r, 9));

    // Network tokens.

    private const string NetworkTokenColumns =
        "id, tenant_id, scheme, first6, last4, pan_length, expiry_month, expiry_year, fingerprint, card_ciphertext, token_pan_ciphertext, " +
        "token_expiry_month, token_expiry_year, token_type, scheme_reference, status, suspended_by, pci_token_id, metadata, cryptogram_counter, created_at, updated_at";

    public async Task<bool> InsertNetworkTokenAsync(NetworkTokenRecord token, VaultEvent created, IdempotencyCompletion? completion, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await InsertNetworkTokenAsync(connection, transaction, token, cancellationToken) != 1)
        {
            await transaction.RollbackAsync(cancellationToken);
            return false;
        }

        await InsertEventAsync(connection, transaction, created, cancellationToken);
        await CompleteIdempotencyKeyAsync(connection, transaction, completion, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// One row, or none when the partial unique index (one live token per card and tenant) objects:
    /// <c>ON CONFLICT DO NOTHING</c> without a target covers partial indexes on both engines.
    /// </summary>
    private Task<int> InsertNetworkTokenAsync(DbConnection connection, DbTransaction transaction, NetworkTokenRecord t, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction,
            $"INSERT INTO network_tokens ({NetworkTokenColumns}) VALUES (@id, @t, @scheme, @first6, @last4, @len, @month, @year, @fp, @card, @tpan, " +
            "@tmonth, @tyear, @type, @ref, @status, @suspended, @pci, @meta, @counter, @created, @updated) ON CONFLICT DO NOTHING",
            cancellationToken,
            ("id", IdParameter(t.Id)), ("t", IdParameter(t.TenantId)), ("scheme", (int)t.Scheme), ("first6", t.First6), ("last4", t.LastFour),
            ("len", t.PanLength), ("month", t.ExpiryMonth), ("year", t.ExpiryYear), ("fp", t.Fingerprint), ("card", t.CardCiphertext),
            ("tpan", t.TokenPanCiphertext), ("tmonth", t.TokenExpiryMonth), ("tyear", t.TokenExpiryYear), ("type", (int)t.Type),
            ("ref", t.SchemeReference), ("status", (int)t.Status), ("suspended", (int)t.SuspendedBy),
            ("pci", t.PciTokenId is Guid pci ? IdParameter(pci) : null), ("meta", t.MetadataJson), ("counter", t.CryptogramCounter),
            ("created", Ms(t.CreatedAt)), ("updated", Ms(t.UpdatedAt)));

    public async Task<NetworkTokenRecord?> GetNetworkTokenAsync(Guid tenantId, Guid tokenId, CancellationToken cancellationToken)
    {
        IReadOnlyList<NetworkTokenRecord> rows = await QueryAsync($"SELECT {NetworkTokenColumns} FROM network_tokens WHERE tenant_id = @t AND id = @id",
            ReadNetworkToken, cancellationToken, ("t", IdParameter(tenantId)), ("id", IdParameter(tokenId)));
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<bool> UpdateNetworkTokenStatusAsync(NetworkTokenRecord current, NetworkTokenStatus status, SuspensionParties suspendedBy, bool eraseCardData, DateTimeOffset now, VaultEvent change, IdempotencyCompletion? completion, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        string eraseSql = eraseCardData ? ", card_ciphertext = @empty, token_pan_ciphertext = @empty" : "";
        int updated = await ExecuteAsync(connection, transaction,
            $"UPDATE network_tokens SET status = @status, suspended_by = @suspended, updated_at = @now{eraseSql} " +
            "WHERE tenant_id = @t AND id = @id AND status = @was AND suspended_by = @wasSuspended",
            cancellationToken,
            ("t", IdParameter(current.TenantId)), ("id", IdParameter(current.Id)), ("status", (int)status), ("suspended", (int)suspendedBy),
            ("now", Ms(now)), ("was", (int)current.Status), ("wasSuspended", (int)current.SuspendedBy), ("empty", Array.Empty<byte>()));
        if (updated != 1)
        {
            await transaction.RollbackAsync(cancellationToken);
            return false;
        }

        await InsertEventAsync(connection, transaction, change, cancellationToken);
        await CompleteIdempotencyKeyAsync(connection, transaction, completion, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<long?> IssueCryptogramAsync(CryptogramRecord cryptogram, VaultEvent issued, Func<long, IdempotencyCompletion>? completeFor, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        long? counter = null;
        await using (DbCommand command = CreateCommand(connection, transaction,
            "UPDATE network_tokens SET cryptogram_counter = cryptogram_counter + 1 WHERE tenant_id = @t AND id = @id AND status = @active RETURNING cryptogram_counter",
            [("t", IdParameter(cryptogram.TenantId)), ("id", IdParameter(cryptogram.TokenId)), ("active", (int)NetworkTokenStatus.Active)]))
        {
            object? value = await command.ExecuteScalarAsync(cancellationToken);
            if (value is not null and not DBNull)
            {
                counter = Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        if (counter is null)
        {
            await transaction.RollbackAsync(cancellationToken);
            return null;
        }

        await ExecuteAsync(connection, transaction,
            "INSERT INTO network_token_cryptograms (token_id, counter, tenant_id, amount, currency, reference_digest, created_at, expires_at, used_at) " +
            "VALUES (@token, @counter, @t, @amount, @currency, @ref, @created, @expires, NULL)",
            cancellationToken,
            ("token", IdParameter(cryptogram.TokenId)), ("counter", counter.Value), ("t", IdParameter(cryptogram.TenantId)), ("amount", cryptogram.Amount),
            ("currency", cryptogram.Currency), ("ref", cryptogram.ReferenceDigest), ("created", Ms(cryptogram.CreatedAt)), ("expires", Ms(cryptogram.ExpiresAt)));
        await InsertEventAsync(connection, transaction, issued, cancellationToken);
        await CompleteIdempotencyKeyAsync(connection, transaction, completeFor?.Invoke(counter.Value), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return counter;
    }

    public async Task<CryptogramRecord?> GetCryptogramAsync(Guid tenantId, Guid tokenId, long counter, CancellationToken cancellationToken)
    {
        IReadOnlyList<CryptogramRecord> rows = await QueryAsync(
            "SELECT token_id, tenant_id, counter, amount, currency, reference_digest, created_at, expires_at, used_at FROM network_token_cryptograms " +
            "WHERE tenant_id = @t AND token_id = @token AND counter = @counter",
            r => new CryptogramRecord(r.GetGuid(0), r.GetGuid(1), r.GetInt64(2), r.IsDBNull(3) ? null : r.GetInt64(3), r.IsDBNull(4) ? null : r.GetString(4),
                r.IsDBNull(5) ? null : (byte[])r.GetValue(5), FromMs(r.GetInt64(6)), FromMs(r.GetInt64(7)), FromMsOrNull(r, 8)),
            cancellationToken, ("t", IdParameter(tenantId)), ("token", IdParameter(tokenId)), ("counter", counter));
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<bool> UseCryptogramAsync(Guid tenantId, Guid tokenId, long counter, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null,
            "UPDATE network_token_cryptograms SET used_at = @now WHERE tenant_id = @t AND token_id = @token AND counter = @counter AND used_at IS NULL AND expires_at > @now",
            cancellationToken, ("t", IdParameter(tenantId)), ("token", IdParameter(tokenId)), ("counter", counter), ("now", Ms(now))) == 1;
    }

    public async Task<int> PurgeCryptogramsAsync(DateTimeOffset expiredBefore, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null, "DELETE FROM network_token_cryptograms WHERE expires_at <= @before", cancellationToken, ("before", Ms(expiredBefore)));
    }

    private const string EventColumns = "id, tenant_id, type, subject_id, data, created_at, dispatched_at";

    public async Task<IReadOnlyList<VaultEvent>> ListEventsAsync(Guid tenantId, string subjectId, CancellationToken cancellationToken) =>
        await QueryAsync($"SELECT {EventColumns} FROM events WHERE tenant_id = @t AND subject_id = @s ORDER BY seq",
            ReadEvent, cancellationToken, ("t", IdParameter(tenantId)), ("s", subjectId));

    private Task<int> InsertEventAsync(DbConnection connection, DbTransaction transaction, VaultEvent e, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction,
            "INSERT INTO events (id, tenant_id, type, subject_id, data, created_at, dispatched_at) VALUES (@id, @t, @type, @s, @data, @created, NULL)",
            cancellationToken,
            ("id", IdParameter(e.Id)), ("t", IdParameter(e.TenantId)), ("type", e.Type), ("s", e.SubjectId), ("data", e.DataJson), ("created", Ms(e.CreatedAt)));

    private static VaultEvent ReadEvent(DbDataReader r) => ReadEvent(r, 0);

    /// <summary>
    /// Runs <paramref name="change"/> and, when it reports success, records <paramref name="events"/> in the same
    /// transaction (the outbox rule: a change and its events commit together or not at all).
    /// </summary>
    private async Task<bool> ChangeWithEventsAsync(Func<DbConnection, DbTransaction, Task<bool>> change, IReadOnlyList<VaultEvent> events, CancellationToken cancellationToken, IdempotencyCompletion? completion = null)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await change(connection, transaction))
        {
            await transaction.RollbackAsync(cancellationToken);
            return false;
        }

        foreach (VaultEvent vaultEvent in events)
        {
            await InsertEventAsync(connection, transaction, vaultEvent, cancellationToken);
        }

        await CompleteIdempotencyKeyAsync(connection, transaction, completion, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    private static NetworkTokenRecord ReadNetworkToken(DbDataReader r) => new(
        r.GetGuid(0), r.GetGuid(1), (CardScheme)r.GetInt32(2), r.GetString(3), r.GetString(4), r.GetInt32(5), r.GetInt32(6), r.GetInt32(7),
        (byte[])r.GetValue(8), (byte[])r.GetValue(9), (byte[])r.GetValue(10), r.GetInt32(11), r.GetInt32(12), (NetworkTokenType)r.GetInt32(13),
        r.GetString(14), (NetworkTokenStatus)r.GetInt32(15), (SuspensionParties)r.GetInt32(16), r.IsDBNull(17) ? null : r.GetGuid(17),
        r.IsDBNull(18) ? null : r.GetString(18), r.GetInt64(19), FromMs(r.GetInt64(20)), FromMs(r.GetInt64(21)));

    // Single-use card tokens.

    private const string SingleUseColumns =
        "id, public_id, card_id, tenant_id, scheme, first6, last4, pan_length, expiry_month, expiry_year, fingerprint, ciphertext, address_ciphertext, " +
        "funding, issuer_bank, issuer_country, issuer_id, client_ip, created_at, expires_at, used_at";

    public async Task InsertSingleUseTokenAsync(SingleUseTokenRecord token, CancellationToken cancellationToken)
    {
        SingleUseTokenRecord t = token;
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null,
            $"INSERT INTO single_use_tokens ({SingleUseColumns}) VALUES (@id, @public, @card, @t, @scheme, @first6, @last4, @len, @month, @year, @fp, @ct, @address, " +
            "@funding, @bank, @country, @issuer, @ip, @created, @expires, NULL)",
            cancellationToken,
            ("id", IdParameter(t.Id)), ("public", t.PublicId), ("card", t.CardId), ("t", IdParameter(t.TenantId)), ("scheme", (int)t.Scheme),
            ("first6", t.First6), ("last4", t.LastFour), ("len", t.PanLength), ("month", t.ExpiryMonth), ("year", t.ExpiryYear), ("fp", t.Fingerprint),
            ("ct", t.Ciphertext), ("address", t.AddressCiphertext), ("funding", t.Funding is { } f ? (int)f : null), ("bank", t.IssuerBank),
            ("country", t.IssuerCountry), ("issuer", t.IssuerId), ("ip", t.ClientIp), ("created", Ms(t.CreatedAt)), ("expires", Ms(t.ExpiresAt)));
    }

    public async Task<SingleUseTokenRecord?> GetSingleUseTokenAsync(Guid tenantId, string publicId, CancellationToken cancellationToken)
    {
        IReadOnlyList<SingleUseTokenRecord> rows = await QueryAsync(
            $"SELECT {SingleUseColumns} FROM single_use_tokens WHERE tenant_id = @t AND public_id = @public",
            r => new SingleUseTokenRecord(
                r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetGuid(3), (CardScheme)r.GetInt32(4), r.GetString(5), r.GetString(6), r.GetInt32(7),
                r.GetInt32(8), r.GetInt32(9), (byte[])r.GetValue(10), (byte[])r.GetValue(11), r.IsDBNull(12) ? null : (byte[])r.GetValue(12),
                r.IsDBNull(13) ? null : (CardFunding)r.GetInt32(13), r.IsDBNull(14) ? null : r.GetString(14), r.IsDBNull(15) ? null : r.GetString(15),
                r.IsDBNull(16) ? null : r.GetString(16), r.IsDBNull(17) ? null : r.GetString(17), FromMs(r.GetInt64(18)), FromMs(r.GetInt64(19)), FromMsOrNull(r, 20)),
            cancellationToken, ("t", IdParameter(tenantId)), ("public", publicId));
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<bool> TryUseSingleUseTokenAsync(Guid tenantId, string publicId, DateTimeOffset now, PciTokenRecord? newToken, IReadOnlyList<VaultEvent> events, IdempotencyCompletion? completion, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        int used = await ExecuteAsync(connection, transaction,
            "UPDATE single_use_tokens SET used_at = @now, ciphertext = @empty, address_ciphertext = NULL " +
            "WHERE tenant_id = @t AND public_id = @public AND used_at IS NULL AND expires_at > @now",
            cancellationToken, ("t", IdParameter(tenantId)), ("public", publicId), ("now", Ms(now)), ("empty", Array.Empty<byte>()));
        if (used != 1)
        {
            await transaction.RollbackAsync(cancellationToken);
            return false;
        }

        if (newToken is not null)
        {
            await InsertPciTokenAsync(connection, transaction, newToken, cancellationToken);
        }

        foreach (VaultEvent vaultEvent in events)
        {
            await InsertEventAsync(connection, transaction, vaultEvent, cancellationToken);
        }

        await CompleteIdempotencyKeyAsync(connection, transaction, completion, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<IReadOnlyList<(Guid TenantId, Guid Id)>> PurgeExpiredSingleUseTokensAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken) =>
        await QueryAsync(
            "DELETE FROM single_use_tokens WHERE id IN (SELECT id FROM single_use_tokens WHERE expires_at <= @now LIMIT @limit) RETURNING tenant_id, id",
            r => (r.GetGuid(0), r.GetGuid(1)), cancellationToken, ("now", Ms(now)), ("limit", batchSize));

    // BIN table.

    public async Task<IReadOnlyList<BinRecord>> ListBinRangesAsync(CancellationToken cancellationToken) =>
        await QueryAsync("SELECT prefix, scheme, funding, bank, country, issuer_id FROM bin_ranges",
            r => new BinRecord(r.GetString(0), (CardScheme)r.GetInt32(1), (CardFunding)r.GetInt32(2), r.GetString(3), r.GetString(4), r.GetString(5)),
            cancellationToken);

    public async Task ReplaceBinRangesAsync(IReadOnlyList<BinRecord> rows, CancellationToken cancellationToken)
    {
        const int RowsPerStatement = 500;
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, "DELETE FROM bin_ranges", cancellationToken);
        for (int start = 0; start < rows.Count; start += RowsPerStatement)
        {
            int count = Math.Min(RowsPerStatement, rows.Count - start);
            var values = new System.Text.StringBuilder("INSERT INTO bin_ranges (prefix, scheme, funding, bank, country, issuer_id) VALUES ");
            var parameters = new (string Name, object? Value)[count * 6];
            for (int i = 0; i < count; i++)
            {
                BinRecord row = rows[start + i];
                values.Append(i == 0 ? "" : ", ").Append(System.Globalization.CultureInfo.InvariantCulture, $"(@p{i}, @s{i}, @f{i}, @b{i}, @c{i}, @i{i})");
                int at = i * 6;
                parameters[at] = ($"p{i}", row.Prefix);
                parameters[at + 1] = ($"s{i}", (int)row.Scheme);
                parameters[at + 2] = ($"f{i}", (int)row.Funding);
                parameters[at + 3] = ($"b{i}", row.Bank);
                parameters[at + 4] = ($"c{i}", row.Country);
                parameters[at + 5] = ($"i{i}", row.IssuerId);
            }

            await ExecuteAsync(connection, transaction, values.ToString(), cancellationToken, parameters);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    // Tenant settings.

    public async Task<string?> GetTenantSettingAsync(Guid tenantId, string name, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> rows = await QueryAsync("SELECT value FROM tenant_settings WHERE tenant_id = @t AND name = @name", r => r.GetString(0),
            cancellationToken, ("t", IdParameter(tenantId)), ("name", name));
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task SetTenantSettingAsync(Guid tenantId, string name, string? value, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        if (value is null)
        {
            await ExecuteAsync(connection, null, "DELETE FROM tenant_settings WHERE tenant_id = @t AND name = @name", cancellationToken,
                ("t", IdParameter(tenantId)), ("name", name));
            return;
        }

        await ExecuteAsync(connection, null,
            "INSERT INTO tenant_settings (tenant_id, name, value) VALUES (@t, @name, @value) ON CONFLICT (tenant_id, name) DO UPDATE SET value = excluded.value",
            cancellationToken, ("t", IdParameter(tenantId)), ("name", name), ("value", value));
    }

    // Idempotency keys.

    public async Task<bool> TryReserveIdempotencyKeyAsync(IdempotencyRecord reservation, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, "DELETE FROM idempotency_keys WHERE tenant_id = @t AND idem_key = @k AND expires_at <= @now", cancellationToken,
            ("t", IdParameter(reservation.TenantId)), ("k", reservation.Key), ("now", Ms(now)));
        int inserted = await ExecuteAsync(connection, transaction,
            "INSERT INTO idempotency_keys (id, tenant_id, idem_key, request_digest, status, response, created_at, expires_at) " +
            "VALUES (@id, @t, @k, @digest, NULL, NULL, @created, @expires) ON CONFLICT (tenant_id, idem_key) DO NOTHING",
            cancellationToken,
            ("id", IdParameter(reservation.Id)), ("t", IdParameter(reservation.TenantId)), ("k", reservation.Key), ("digest", reservation.RequestDigest),
            ("created", Ms(reservation.CreatedAt)), ("expires", Ms(reservation.ExpiresAt)));
        await transaction.CommitAsync(cancellationToken);
        return inserted == 1;
    }

    public async Task<IdempotencyRecord?> GetIdempotencyKeyAsync(Guid tenantId, string key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        IReadOnlyList<IdempotencyRecord> rows = await QueryAsync(
            "SELECT id, tenant_id, idem_key, request_digest, status, response, created_at, expires_at FROM idempotency_keys WHERE tenant_id = @t AND idem_key = @k AND expires_at > @now",
            r => new IdempotencyRecord(
                r.GetGuid(0), r.GetGuid(1), r.GetString(2), (byte[])r.GetValue(3),
                r.IsDBNull(4) ? null : r.GetInt32(4), r.IsDBNull(5) ? null : (byte[])r.GetValue(5), FromMs(r.GetInt64(6)), FromMs(r.GetInt64(7))),
            cancellationToken, ("t", IdParameter(tenantId)), ("k", key), ("now", Ms(now)));
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task CompleteIdempotencyKeyAsync(Guid tenantId, string key, Guid reservationId, int status, byte[] response, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null,
            "UPDATE idempotency_keys SET status = @status, response = @response WHERE tenant_id = @t AND idem_key = @k AND id = @id AND status IS NULL", cancellationToken,
            ("status", status), ("response", response), ("t", IdParameter(tenantId)), ("k", key), ("id", IdParameter(reservationId)));
    }

    /// <summary>
    /// Completes the reservation a change's request holds, inside the change's transaction. When the reservation is no longer
    /// that open reservation (a retry took it over), the change must not commit: the caller's transaction is rolled back by
    /// the exception, so the retry is the only request that writes.
    /// </summary>
    private async Task CompleteIdempotencyKeyAsync(DbConnection connection, DbTransaction transaction, IdempotencyCompletion? completion, CancellationToken cancellationToken)
    {
        if (completion is null)
        {
            return;
        }

        int completed = await ExecuteAsync(connection, transaction,
            "UPDATE idempotency_keys SET status = @status, response = @response WHERE tenant_id = @t AND idem_key = @k AND id = @id AND status IS NULL", cancellationToken,
            ("status", completion.Status), ("response", completion.SealedResponse), ("t", IdParameter(completion.TenantId)), ("k", completion.Key),
            ("id", IdParameter(completion.ReservationId)));
        if (completed != 1)
        {
            throw new IdempotencyReservationLostException();
        }
    }

    public async Task ReleaseIdempotencyKeyAsync(Guid tenantId, string key, Guid reservationId, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, "DELETE FROM idempotency_keys WHERE tenant_id = @t AND idem_key = @k AND id = @id AND status IS NULL", cancellationToken,
            ("t", IdParameter(tenantId)), ("k", key), ("id", IdParameter(reservationId)));
    }

    public async Task<bool> TryTakeOverIdempotencyKeyAsync(Guid staleReservationId, IdempotencyRecord replacement, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null,
            "UPDATE idempotency_keys SET id = @new, request_digest = @digest, created_at = @created, expires_at = @expires " +
            "WHERE tenant_id = @t AND idem_key = @k AND id = @stale AND status IS NULL",
            cancellationToken,
            ("new", IdParameter(replacement.Id)), ("digest", replacement.RequestDigest), ("created", Ms(replacement.CreatedAt)), ("expires", Ms(replacement.ExpiresAt)),
            ("t", IdParameter(replacement.TenantId)), ("k", replacement.Key), ("stale", IdParameter(staleReservationId))) == 1;
    }

    public async Task<int> PurgeExpiredIdempotencyKeysAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null, "DELETE FROM idempotency_keys WHERE expires_at <= @now", cancellationToken, ("now", Ms(now)));
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
