namespace Strongroom.Core.NetworkTokens;

/// <summary>
/// One issued cryptogram's bookkeeping: its use counter, what it is bound to, and whether it has been used.
/// The cryptogram itself is not stored (it is recomputed from the counter when a reference is forwarded);
/// a reference is stored only as a keyed digest.
/// </summary>
public sealed record CryptogramRecord(
    Guid TokenId,
    Guid TenantId,
    long Counter,
    long? Amount,
    string? Currency,
    byte[]? ReferenceDigest,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? UsedAt = null);
