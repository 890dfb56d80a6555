using System.Data.Common;
using Strongroom.Core.Events;
using Strongroom.Core.Tenancy;

namespace Strongroom.Storage;

public abstract partial class SqlVaultStore
{
    public Task CreateApiKeyAsync(ApiKeyRecord key, VaultEvent created, CancellationToken cancellationToken) =>
        ChangeWithEventsAsync(async (connection, transaction) => await ExecuteAsync(connection, transaction,
            $"INSERT INTO api_keys ({ApiKeyColumns}) VALUES (@id, @t, @name, @hash, @rights, @created, @expires, @revoked)",
            cancellationToken,
            ("id", key.Id), ("t", IdParameter(key.TenantId)), ("name", key.Name), ("hash", key.SecretHash), ("rights", (int)key.Rights),
            ("created", Ms(key.CreatedAt)), ("expires", Ms(key.ExpiresAt)), ("revoked", Ms(key.RevokedAt))) == 1, [created], cancellationToken);

    public async Task<ApiKeyRecord?> GetApiKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        IReadOnlyList<ApiKeyRecord> rows = await QueryHotAsync($"SELECT {ApiKeyColumns} FROM api_keys WHERE id = @id", ReadApiKey, cancellationToken, ("id", keyId));
        return rows.Count == 0 ? null : rows[0];
    }

    public Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(Guid tenantId, CancellationToken cancellationToken) =>
        QueryAsync($"SELECT {ApiKeyColumns} FROM api_keys WHERE tenant_id = @t ORDER BY created_at, id", ReadApiKey, cancellationToken, ("t", IdParameter(tenantId)));

    public Task<bool> RevokeApiKeyAsync(Guid tenantId, string keyId, DateTimeOffset revokedAt, VaultEvent deleted, CancellationToken cancellationToken) =>
        ChangeWithEventsAsync(async (connection, transaction) => await ExecuteAsync(connection, transaction,
            "UPDATE api_keys SET revoked_at = @at WHERE id = @id AND tenant_id = @t AND revoked_at IS NULL", cancellationToken,
            ("at", Ms(revokedAt)), ("id", keyId), ("t", IdParameter(tenantId))) == 1
            && await NotifiedAsync(connection, transaction, CredentialChange.ApiKey(tenantId, keyId), cancellationToken), [deleted], cancellationToken);

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
        IReadOnlyList<SigningKeyRecord> rows = await QueryHotAsync($"SELECT {SigningKeyColumns} FROM signing_keys WHERE public_key = @pk", ReadSigningKey, cancellationToken, ("pk", publicKey));
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

    public Task<bool> UpdateSigningKeyAsync(SigningKeyRecord key, CancellationToken cancellationToken) =>
        ChangeWithEventsAsync(async (connection, transaction) => await ExecuteAsync(connection, transaction,
            "UPDATE signing_keys SET sealed_secret = @secret, title = @title, is_enabled = @enabled, restrict_access = @restrict, access_endpoints = @endpoints " +
            "WHERE tenant_id = @t AND id = @id",
            cancellationToken,
            ("secret", key.SealedSecret), ("title", key.Title), ("enabled", key.IsEnabled ? 1 : 0), ("restrict", key.RestrictAccess ? 1 : 0),
            ("endpoints", AccessEndpointJson.Serialize(key.AccessEndpoints)), ("t", IdParameter(key.TenantId)), ("id", IdParameter(key.Id))) == 1
            && await NotifiedAsync(connection, transaction, CredentialChange.SigningKey(key.TenantId, key.Id), cancellationToken), [], cancellationToken);

    public Task<bool> DeleteSigningKeyAsync(Guid tenantId, Guid keyId, VaultEvent deleted, CancellationToken cancellationToken) =>
        ChangeWithEventsAsync(async (connection, transaction) => await ExecuteAsync(connection, transaction,
            "DELETE FROM signing_keys WHERE tenant_id = @t AND id = @id", cancellationToken,
            ("t", IdParameter(tenantId)), ("id", IdParameter(keyId))) == 1
            && await NotifiedAsync(connection, transaction, CredentialChange.SigningKey(tenantId, keyId), cancellationToken), [deleted], cancellationToken);

    public async Task<bool> TryUseSigningKeyAsync(Guid keyId, long nonce, bool requireIncrease, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return requireIncrease
            ? await ExecuteAsync(connection, null, "UPDATE signing_keys SET last_nonce = @n, last_activity = @now WHERE id = @id AND last_nonce < @n", cancellationToken,
                ("n", nonce), ("now", Ms(now)), ("id", IdParameter(keyId))) == 1
            : await ExecuteAsync(connection, null, "UPDATE signing_keys SET last_activity = @now WHERE id = @id", cancellationToken,
                ("now", Ms(now)), ("id", IdParameter(keyId))) == 1;
    }

    /// <summary>
    /// Tells the other nodes, inside the change's own transaction, that cached copies of a credential must go: PostgreSQL
    /// <c>pg_notify</c> (delivered only if the transaction commits, and never lost to a crash between commit and publish).
    /// Nothing on SQLite, a single-node store.
    /// </summary>
    protected virtual Task NotifyCredentialChangeAsync(DbConnection connection, DbTransaction? transaction, CredentialChange change, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    private async Task<bool> NotifiedAsync(DbConnection connection, DbTransaction? transaction, CredentialChange change, CancellationToken cancellationToken)
    {
        await NotifyCredentialChangeAsync(connection, transaction, change, cancellationToken);
        return true;
    }
}
