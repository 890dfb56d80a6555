namespace Strongroom.Core.Audit;

/// <summary>
/// One entry of the tamper-evident audit log. <see cref="PreviousHash"/> is the <see cref="Hash"/> of entry
/// <c>Seq - 1</c>; <see cref="Hash"/> is SHA-256 over the previous hash and this entry's canonical bytes; every
/// few entries carry a <see cref="Seal"/>, an HMAC of the hash under the key provider's audit key. Never card data.
/// </summary>
public sealed record AuditEntry(
    long Seq,
    Guid Id,
    DateTimeOffset At,
    string Actor,
    string Action,
    Guid? TenantId,
    string? Target,
    string DetailsJson,
    byte[] PreviousHash,
    byte[] Hash,
    byte[]? Seal);

/// <summary>Filters for listing the audit log (all optional), newest or oldest first by <c>seq</c>.</summary>
public sealed record AuditQuery(Guid? TenantId = null, string? Action = null, string? Actor = null, DateTimeOffset? From = null, DateTimeOffset? To = null, long? AfterSeq = null, int Limit = 100);
