using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Strongroom.Core.Cards;
using Strongroom.Core.Events;
using Strongroom.Core.Crypto;

namespace Strongroom.Core.Tenancy;

/// <summary>A signing key as handed to its owner, once, with its secret.</summary>
public sealed record IssuedSigningKey(SigningKeyRecord Record, string Secret)
{
    public override string ToString() => $"IssuedSigningKey {{ Id = {Record.Id} }}";
}

/// <summary>Thrown when a tenant already has <see cref="SigningKeyService.MaxKeysPerTenant"/> keys.</summary>
public sealed class SigningKeyLimitException() : Exception($"At most {SigningKeyService.MaxKeysPerTenant} API keys per (sub-)account.");

/// <summary>
/// Signing keys for HMAC-signed dialects. Key types map onto vault rights (documented in
/// docs/security.md): type 1 creates, reads (masked) and deletes tokens; type 2 may also move card
/// data out. A key of a top-level account may also manage that account's sub-accounts.
/// </summary>
public sealed partial class SigningKeyService(
    ICredentialStore credentialStore, ITenantStore tenantStore, CredentialCache cache, TenantKeyring keyring, Audit.AuditLog audit, TimeProvider time, ILogger<SigningKeyService> logger)
{
    /// <summary>The <c>kind</c> of this key type in <c>api_key.*</c> events.</summary>
    public const string SigningKeyKind = "signing_key";

    public const int MaxKeysPerTenant = 50;
    public const int MaxTitleLength = 100;
    public const int MaxAccessEndpoints = 100;

    private readonly Func<string, CancellationToken, Task<SigningKeyRecord?>> _loadByPublicKey = credentialStore.GetSigningKeyByPublicKeyAsync;
    private readonly Func<Guid, Guid, CancellationToken, Task<SigningKeyRecord?>> _loadById = credentialStore.GetSigningKeyAsync;

    public static bool IsValidType(int type) => type is 1 or 2;

    /// <summary>The rights of a key of <paramref name="type"/> owned by <paramref name="owner"/>.</summary>
    public static VaultRights RightsFor(int type, Tenant owner)
    {
        VaultRights rights = VaultRights.TokensCreate | VaultRights.TokensRead | VaultRights.TokensDelete;
        if (type == 2)
        {
            rights |= VaultRights.DataOut;
        }

        if (!owner.IsSubAccount)
        {
            rights |= VaultRights.AccountManage;
        }

        return rights;
    }

    /// <summary>Issues a key; <paramref name="actor"/> is recorded in the audit log with the key's type and public key prefix.</summary>
    public async Task<IssuedSigningKey> CreateAsync(Guid tenantId, int type, string? title, Audit.Actor actor, CancellationToken cancellationToken)
    {
        FreeText.Require("title", title);
        if (!IsValidType(type))
        {
            throw new ArgumentOutOfRangeException(nameof(type), "Key type must be 1 or 2.");
        }

        if (await tenantStore.GetTenantAsync(tenantId, cancellationToken) is null)
        {
            throw new TenantNotFoundException(tenantId);
        }

        // A soft limit: two concurrent creates may both pass the count; the cost of a 51st key is nil.
        if (await credentialStore.CountSigningKeysAsync(tenantId, cancellationToken) >= MaxKeysPerTenant)
        {
            throw new SigningKeyLimitException();
        }

        Guid id = Guid.NewGuid();
        string secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var record = new SigningKeyRecord(
            id,
            tenantId,
            Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            await SealSecretAsync(tenantId, id, secret, cancellationToken),
            type,
            string.IsNullOrWhiteSpace(title) ? null : title.Trim(),
            IsEnabled: true,
            RestrictAccess: false,
            [],
            LastNonce: 0,
            LastActivity: null,
            time.GetUtcNowMilliseconds());
        await credentialStore.CreateSigningKeyAsync(record, VaultEvents.ApiKeyCreated(tenantId, id.ToString(), SigningKeyKind, record.Title, record.CreatedAt), cancellationToken);
        LogCreated(logger, id, tenantId, type);
        await audit.RecordAsync(actor, Audit.AuditActions.SigningKeyCreated, tenantId, id.ToString(),
            ("type", type.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("public_key", Audit.Actor.SigningKeyPrefix(record.PublicKey)));
        return new IssuedSigningKey(record, secret);
    }

    /// <summary>
    /// The key and its secret for signature verification; null when no such key exists. The record comes from the node's
    /// <see cref="CredentialCache"/> (or the store); the caller verifies the signature and checks the enabled flag on it.
    /// </summary>
    public async Task<(SigningKeyRecord Key, byte[] Secret)?> ResolveAsync(string publicKey, CancellationToken cancellationToken)
    {
        if (publicKey.Length is 0 or > 128 || await cache.GetSigningKeyByPublicKeyAsync(publicKey, _loadByPublicKey, cancellationToken) is not { } key)
        {
            return null;
        }

        return (key, await keyring.OpenAsync(key.TenantId, RecordKind.SigningKeySecret, key.Id, key.SealedSecret, cancellationToken));
    }

    public Task<SigningKeyRecord?> GetAsync(Guid tenantId, Guid keyId, CancellationToken cancellationToken) => credentialStore.GetSigningKeyAsync(tenantId, keyId, cancellationToken);

    /// <summary>Whether the tenant's key exists and is enabled, per request (through the node's <see cref="CredentialCache"/>).</summary>
    public async Task<bool> IsEnabledAsync(Guid tenantId, Guid keyId, CancellationToken cancellationToken) =>
        await cache.GetSigningKeyAsync(tenantId, keyId, _loadById, cancellationToken) is { IsEnabled: true };

    public Task<IReadOnlyList<SigningKeyRecord>> ListAsync(Guid tenantId, int limit, int offset, CancellationToken cancellationToken) =>
        credentialStore.ListSigningKeysAsync(tenantId, limit, offset, cancellationToken);

    /// <summary>Changes title, enabled flag and access restriction (recorded in the audit log); null when the key does not exist for this tenant.</summary>
    public async Task<SigningKeyRecord?> EditAsync(
        Guid tenantId, Guid keyId, string? title, bool? isEnabled, bool? restrictAccess, IReadOnlyList<AccessEndpoint>? accessEndpoints, Audit.Actor actor, CancellationToken cancellationToken)
    {
        FreeText.Require("title", title);
        if (await credentialStore.GetSigningKeyAsync(tenantId, keyId, cancellationToken) is not { } key)
        {
            return null;
        }

        SigningKeyRecord edited = key with
        {
            Title = title is null ? key.Title : string.IsNullOrWhiteSpace(title) ? null : title.Trim(),
            IsEnabled = isEnabled ?? key.IsEnabled,
            RestrictAccess = restrictAccess ?? key.RestrictAccess,
            AccessEndpoints = accessEndpoints ?? key.AccessEndpoints,
        };
        if (!await credentialStore.UpdateSigningKeyAsync(edited, cancellationToken))
        {
            return null;
        }

        await cache.AnnounceAsync(CredentialChange.SigningKey(tenantId, keyId), cancellationToken);
        await audit.RecordAsync(actor, Audit.AuditActions.SigningKeyEdited, tenantId, keyId.ToString(), ("is_enabled", edited.IsEnabled ? "true" : "false"),
            ("restrict_access", edited.RestrictAccess ? "true" : "false"), ("access_endpoints", string.Join(' ', edited.AccessEndpoints.Select(e => e.Name))));
        return edited;
    }

    /// <summary>Replaces the secret (recorded in the audit log); the old one stops working at once. Null when the key does not exist.</summary>
    public async Task<IssuedSigningKey?> ResetSecretAsync(Guid tenantId, Guid keyId, Audit.Actor actor, CancellationToken cancellationToken)
    {
        if (await credentialStore.GetSigningKeyAsync(tenantId, keyId, cancellationToken) is not { } key)
        {
            return null;
        }

        string secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        SigningKeyRecord reset = key with { SealedSecret = await SealSecretAsync(tenantId, keyId, secret, cancellationToken) };
        if (!await credentialStore.UpdateSigningKeyAsync(reset, cancellationToken))
        {
            return null;
        }

        await cache.AnnounceAsync(CredentialChange.SigningKey(tenantId, keyId), cancellationToken);
        LogReset(logger, keyId, tenantId);
        await audit.RecordAsync(actor, Audit.AuditActions.SigningKeySecretReset, tenantId, keyId.ToString());
        return new IssuedSigningKey(reset, secret);
    }

    /// <summary>Deletes the key (recorded in the audit log); false when it does not exist for this tenant.</summary>
    public async Task<bool> DeleteAsync(Guid tenantId, Guid keyId, Audit.Actor actor, CancellationToken cancellationToken)
    {
        if (!await credentialStore.DeleteSigningKeyAsync(tenantId, keyId, VaultEvents.ApiKeyDeleted(tenantId, keyId.ToString(), SigningKeyKind, time.GetUtcNowMilliseconds()), cancellationToken))
        {
            return false;
        }

        await cache.AnnounceAsync(CredentialChange.SigningKey(tenantId, keyId), cancellationToken);
        await audit.RecordAsync(actor, Audit.AuditActions.SigningKeyDeleted, tenantId, keyId.ToString());
        return true;
    }

    /// <summary>Records a use: strictly increasing nonce (replay protection) unless the dialect checked a time window instead.</summary>
    public Task<bool> TryUseAsync(Guid keyId, long nonce, bool requireIncrease, CancellationToken cancellationToken) =>
        credentialStore.TryUseSigningKeyAsync(keyId, nonce, requireIncrease, time.GetUtcNow(), cancellationToken);

    private async Task<byte[]> SealSecretAsync(Guid tenantId, Guid keyId, string secret, CancellationToken cancellationToken)
    {
        TenantKeySet keys = await keyring.GetAsync(tenantId, cancellationToken);
        byte[] plaintext = Encoding.ASCII.GetBytes(secret);
        try
        {
            return keys.Seal(RecordKind.SigningKeySecret, keyId, plaintext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created signing key {KeyId} (type {Type}) for tenant {TenantId}")]
    private static partial void LogCreated(ILogger logger, Guid keyId, Guid tenantId, int type);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reset the secret of signing key {KeyId} of tenant {TenantId}")]
    private static partial void LogReset(ILogger logger, Guid keyId, Guid tenantId);
}
