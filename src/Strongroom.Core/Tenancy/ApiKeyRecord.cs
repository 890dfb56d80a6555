namespace Strongroom.Core.Tenancy;

/// <summary>
/// A stored API key. Only a hash of the secret is kept (<see cref="Crypto.SecretHasher"/>); the full
/// key (<c>srk_&lt;id&gt;.&lt;secret&gt;</c>) is shown once, at creation.
/// </summary>
public sealed record ApiKeyRecord(
    string Id,
    Guid TenantId,
    string? Name,
    string SecretHash,
    VaultRights Rights,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt)
{
    public bool IsUsableAt(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > now);
}
