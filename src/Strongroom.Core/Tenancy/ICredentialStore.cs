using Strongroom.Core.Events;

namespace Strongroom.Core.Tenancy;

/// <summary>Credentials: API keys (Guardian, Tap) and signing keys (HMAC-signed dialects such as WhiteBIT v4).</summary>
public interface ICredentialStore
{
    /// <summary>Inserts the key and its <c>api_key.created</c> event, atomically.</summary>
    Task CreateApiKeyAsync(ApiKeyRecord key, VaultEvent created, CancellationToken cancellationToken);

    Task<ApiKeyRecord?> GetApiKeyAsync(string keyId, CancellationToken cancellationToken);

    Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(Guid tenantId, CancellationToken cancellationToken);

    /// <summary>Revokes the key and records <paramref name="deleted"/>, atomically; false (nothing written) if it was absent or already revoked.</summary>
    Task<bool> RevokeApiKeyAsync(Guid tenantId, string keyId, DateTimeOffset revokedAt, VaultEvent deleted, CancellationToken cancellationToken);

    /// <summary>Inserts the key and its <c>api_key.created</c> event, atomically.</summary>
    Task CreateSigningKeyAsync(SigningKeyRecord key, VaultEvent created, CancellationToken cancellationToken);

    Task<SigningKeyRecord?> GetSigningKeyByPublicKeyAsync(string publicKey, CancellationToken cancellationToken);

    Task<SigningKeyRecord?> GetSigningKeyAsync(Guid tenantId, Guid keyId, CancellationToken cancellationToken);

    Task<IReadOnlyList<SigningKeyRecord>> ListSigningKeysAsync(Guid tenantId, int limit, int offset, CancellationToken cancellationToken);

    Task<int> CountSigningKeysAsync(Guid tenantId, CancellationToken cancellationToken);

    /// <summary>Updates title, enabled flag, access restriction, endpoints and (on reset) the sealed secret.</summary>
    Task<bool> UpdateSigningKeyAsync(SigningKeyRecord key, CancellationToken cancellationToken);

    /// <summary>Deletes the key and records <paramref name="deleted"/>, atomically; false (nothing written) if absent.</summary>
    Task<bool> DeleteSigningKeyAsync(Guid tenantId, Guid keyId, VaultEvent deleted, CancellationToken cancellationToken);

    /// <summary>
    /// Records a use of the key with <paramref name="nonce"/> if it is greater than every nonce used before
    /// (compare-and-set, so concurrent replays cannot both pass); with <paramref name="requireIncrease"/> false
    /// only the activity time is updated. False when the nonce was not greater.
    /// </summary>
    Task<bool> TryUseSigningKeyAsync(Guid keyId, long nonce, bool requireIncrease, DateTimeOffset now, CancellationToken cancellationToken);
}
