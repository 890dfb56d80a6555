using Strongroom.Core.Cards;

namespace Strongroom.Core.Tokens;

/// <summary>
/// A fiat-gateway card token (WhiteBIT <c>POST /api/card-token</c>): a card number alone, no expiry or
/// holder. Stored like a PCI token: the PAN only inside <see cref="Ciphertext"/> (tenant DEK, AAD bound
/// to the id), first six / last four and the keyed fingerprint in the clear.
/// </summary>
public sealed record CardTokenRecord(
    Guid Id,
    Guid TenantId,
    CardScheme Scheme,
    string First6,
    string LastFour,
    int PanLength,
    byte[] Fingerprint,
    byte[] Ciphertext,
    DateTimeOffset CreatedAt)
{
    public string MaskedCardNumber => Pan.Mask(First6, LastFour, PanLength);
}
