namespace Strongroom.Client.Guardian;

/// <summary>
/// A card-entry session as the merchant's server reads it (<c>GET /api/sessions/{id}</c>). <see cref="Kind"/> is
/// <c>pci_token</c>, <c>security_code</c> or <c>network_token</c>; <see cref="Status"/> is <c>created</c>,
/// <c>completed</c>, <c>locked</c> or <c>expired</c>.
/// </summary>
public sealed record CardSession(
    Guid Id,
    string Kind,
    string Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? CompletedAt,
    int AttemptsRemaining,
    Guid? PciTokenId,
    Guid? NetworkTokenId,
    MaskedCard? Card,
    int? ExpiresIn,
    IReadOnlyDictionary<string, string>? Metadata);
