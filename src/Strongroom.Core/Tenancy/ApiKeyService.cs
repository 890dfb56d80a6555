using Microsoft.Extensions.Logging;
using Strongroom.Core.Cards;
using Strongroom.Core.Events;
using Strongroom.Core.Crypto;

namespace Strongroom.Core.Tenancy;

/// <summary>An API key as handed to its owner, once: the record plus the full secret key string.</summary>
public sealed record IssuedApiKey(ApiKeyRecord Record, string Key)
{
    public override string ToString() => $"IssuedApiKey {{ Id = {Record.Id} }}";
}

/// <summary>
/// Issues and verifies tenant API keys. A key reads <c>srk_&lt;id&gt;.&lt;secret&gt;</c>: the id finds the
/// record (from the node's <see cref="CredentialCache"/>, or the store), the secret is checked against its stored hash in
/// constant time on every request.
/// </summary>
public sealed partial class ApiKeyService(
    ICredentialStore credentialStore, ITenantStore tenantStore, CredentialCache cache, Audit.AuditLog audit, TimeProvider time, ILogger<ApiKeyService> logger)
{
    public const string Prefix = "srk_";

    /// <summary>The <c>kind</c> of this key type in <c>api_key.*</c> events.</summary>
    public const string ApiKeyKind = "api_key";

    /// <summary>Guardian's limit for API key lifetimes.</summary>
    public const int MaxExpiresInSeconds = 7_776_000;

    public const int MaxNameLength = 100;

    // Verifying against this when the id is unknown keeps the timing of "no such key" and "wrong secret" alike.
    private static readonly string DummyHash = SecretHasher.Hash("strongroom-dummy-secret");

    private readonly Func<string, CancellationToken, Task<ApiKeyRecord?>> _loadApiKey = credentialStore.GetApiKeyAsync;

    /// <summary>Issues a key; <paramref name="actor"/> is recorded in the audit log with the key's scopes and lifetime.</summary>
    public async Task<IssuedApiKey> CreateAsync(Guid tenantId, string? name, VaultRights rights, int? expiresInSeconds, Audit.Actor actor, CancellationToken cancellationToken)
    {
        FreeText.Require("name", name);
        if ((rights & VaultRights.Admin) != 0)
        {
            throw new ArgumentException("API keys cannot carry admin rights.", nameof(rights));
        }

        if (await tenantStore.GetTenantAsync(tenantId, cancellationToken) is null)
        {
            throw new TenantNotFoundException(tenantId);
        }

        DateTimeOffset now = time.GetUtcNowMilliseconds();
        string id = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
        string secret = SecretHasher.NewSecret();
        var record = new ApiKeyRecord(
            id,
            tenantId,
            string.IsNullOrWhiteSpace(name) ? null : name.Trim(),
            SecretHasher.Hash(secret),
            rights,
            now,
            expiresInSeconds is int seconds ? now.AddSeconds(seconds) : null,
            null);
        await credentialStore.CreateApiKeyAsync(record, VaultEvents.ApiKeyCreated(tenantId, id, ApiKeyKind, record.Name, now), cancellationToken);
        LogCreated(logger, id, tenantId, (int)rights);
        await audit.RecordAsync(actor, Audit.AuditActions.ApiKeyCreated, tenantId, id,
            ("scopes", string.Join(' ', VaultRightNames.ToNames(rights))), ("expires_in", expiresInSeconds?.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return new IssuedApiKey(record, $"{Prefix}{id}.{secret}");
    }

    /// <summary>The principal for a presented key, or null for any kind of invalid key (never says which).</summary>
    public async Task<Principal?> AuthenticateAsync(string? presented, CancellationToken cancellationToken)
    {
        if (!TrySplit(presented, out string? id, out string? secret))
        {
            return null;
        }

        ApiKeyRecord? record = await cache.GetApiKeyAsync(id, _loadApiKey, cancellationToken);
        bool secretMatches = SecretHasher.Verify(secret, record?.SecretHash ?? DummyHash);
        if (record is null || !secretMatches || !record.IsUsableAt(time.GetUtcNow()))
        {
            return null;
        }

        return new Principal(PrincipalKind.ApiKey, record.TenantId, record.Id, record.Rights);
    }

    public Task<IReadOnlyList<ApiKeyRecord>> ListAsync(Guid tenantId, CancellationToken cancellationToken) => credentialStore.ListApiKeysAsync(tenantId, cancellationToken);

    /// <summary>
    /// Revokes the tenant's key; false when it has no such key. The key stops working on this node at once and on the others
    /// when the change reaches them (well within a second). A revocation is recorded in the audit log.
    /// </summary>
    public async Task<bool> RevokeAsync(Guid tenantId, string keyId, Audit.Actor actor, CancellationToken cancellationToken)
    {
        if (!await credentialStore.RevokeApiKeyAsync(tenantId, keyId, time.GetUtcNowMilliseconds(), VaultEvents.ApiKeyDeleted(tenantId, keyId, ApiKeyKind, time.GetUtcNowMilliseconds()), cancellationToken))
        {
            return false;
        }

        await cache.AnnounceAsync(CredentialChange.ApiKey(tenantId, keyId), cancellationToken);
        await audit.RecordAsync(actor, Audit.AuditActions.ApiKeyRevoked, tenantId, keyId);
        return true;
    }

    private static bool TrySplit(string? presented, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? secret)
    {
        id = secret = null;
        if (presented is null || !presented.StartsWith(Prefix, StringComparison.Ordinal) || presented.Length > 200)
        {
            return false;
        }

        int dot = presented.IndexOf('.', StringComparison.Ordinal);
        if (dot <= Prefix.Length || dot == presented.Length - 1)
        {
            return false;
        }

        id = presented[Prefix.Length..dot];
        secret = presented[(dot + 1)..];
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created API key {KeyId} for tenant {TenantId} with rights {Rights}")]
    private static partial void LogCreated(ILogger logger, string keyId, Guid tenantId, int rights);
}
