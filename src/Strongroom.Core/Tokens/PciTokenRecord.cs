using Strongroom.Core.Cards;

namespace Strongroom.Core.Tokens;

/// <summary>
/// A PCI token as stored. The PAN and cardholder name exist only inside <see cref="Ciphertext"/>
/// (AES-256-GCM under the tenant DEK, bound to <see cref="Id"/>); the clear columns hold only what
/// PCI DSS allows to be displayed (first six, last four) plus the keyed fingerprint.
/// </summary>
public sealed record PciTokenRecord(
    Guid Id,
    Guid TenantId,
    CardScheme Scheme,
    string First6,
    string LastFour,
    int PanLength,
    int ExpiryMonth,
    int ExpiryYear,
    byte[] Fingerprint,
    byte[] Ciphertext,
    string? MetadataJson,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt)
{
    public string MaskedAccountNumber => Pan.Mask(First6, LastFour, PanLength);
}
