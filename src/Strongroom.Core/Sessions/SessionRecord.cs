namespace Strongroom.Core.Sessions;

/// <summary>What a session will produce when the cardholder completes it.</summary>
public enum SessionKind
{
    /// <summary>A new PCI token (Guardian <c>source.type = session</c>).</summary>
    PciToken = 1,

    /// <summary>A fresh security code for an existing PCI token (Guardian security-code sub-resource).</summary>
    SecurityCode = 2,
}

public enum SessionStatus
{
    Created = 1,
    Completed = 2,
}

/// <summary>
/// A pending card-entry session. <see cref="OptionsJson"/> carries the token options the merchant
/// chose at creation (expires_in, metadata) so the completed token gets exactly those.
/// </summary>
public sealed record SessionRecord(
    Guid Id,
    Guid TenantId,
    SessionKind Kind,
    SessionStatus Status,
    Guid? TokenId,
    string? OptionsJson,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt);
