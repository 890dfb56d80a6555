namespace Strongroom.Core.NetworkTokens;

/// <summary>
/// One issued cryptogram's bookkeeping: its use counter, what it is bound to, and whether it has been used.
/// The cryptogram itself is not stored (it is recomputed from the counter when a reference is forwarded);
/// a reference is stored only as a keyed digest. <see cref="UsedAt"/> is the cryptogram's single use at authorization;
/// <see cref="ReferenceRedeemedAt"/> the reference's single use by a forward — separate, so a forwarded cryptogram still authorizes.
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
    DateTimeOffset? UsedAt = null,
    DateTimeOffset? ReferenceRedeemedAt = null);
