namespace Strongroom.Core.Sessions;

/// <summary>What a session will produce when the cardholder completes it.</summary>
public enum SessionKind
{
    /// <summary>A new PCI token (Guardian <c>source.type = session</c>).</summary>
    PciToken = 1,

    /// <summary>A fresh security code for an existing PCI token (Guardian security-code sub-resource).</summary>
    SecurityCode = 2,

    /// <summary>A new network token (Guardian <c>POST /api/network/tokens</c> with <c>source.type = session</c>).</summary>
    NetworkToken = 3,
}

/// <summary>
/// A session's state. <see cref="Created"/>, <see cref="Completed"/> and <see cref="Locked"/> are stored;
/// <see cref="Expired"/> is derived from the clock (a created session past its expiry), so no job has to flip it.
/// </summary>
public enum SessionStatus
{
    Created = 1,
    Completed = 2,

    /// <summary>Too many failed completion attempts: the session can no longer be completed.</summary>
    Locked = 3,

    /// <summary>Derived, never stored: still <see cref="Created"/> when its time ran out.</summary>
    Expired = 4,
}

/// <summary>
/// A card-entry session. <see cref="OptionsJson"/> carries the token options the merchant chose at
/// creation (expires_in, metadata) so the completed token gets exactly those. <see cref="TokenId"/> is the
/// token the session produced (PCI or network token kind) or is bound to (security-code kind).
/// </summary>
public sealed record SessionRecord(
    Guid Id,
    Guid TenantId,
    SessionKind Kind,
    SessionStatus Status,
    Guid? TokenId,
    string? OptionsJson,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    int FailedAttempts = 0,
    DateTimeOffset? CompletedAt = null)
{
    /// <summary>The status as the clock sees it: an open session past its expiry is <see cref="SessionStatus.Expired"/>.</summary>
    public SessionStatus StatusAt(DateTimeOffset now) =>
        Status == SessionStatus.Created && now >= ExpiresAt ? SessionStatus.Expired : Status;
}
