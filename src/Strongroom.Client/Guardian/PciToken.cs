namespace Strongroom.Client.Guardian;

/// <summary>A PCI token (<c>GET /api/pci/tokens/{id}</c>): its id and the masked card.</summary>
public sealed record PciToken(
    Guid Id,
    MaskedCard Card,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    IReadOnlyDictionary<string, string>? Metadata);
