using Strongroom.Core.Bins;
using Strongroom.Core.Cards;

namespace Strongroom.Core.Tokens;

/// <summary>
/// A single-use card token (Tap dialect, <c>tok_…</c>) as stored. The card (PAN, name) is sealed in
/// <see cref="Ciphertext"/> and the billing address in <see cref="AddressCiphertext"/>; both are emptied
/// the moment the token is used, since nothing may read them afterwards. <see cref="Id"/> binds the
/// ciphertexts (AAD) and keys the ephemeral security code; <see cref="PublicId"/> is what clients see.
/// BIN metadata is resolved once, at creation.
/// </summary>
public sealed record SingleUseTokenRecord(
    Guid Id,
    string PublicId,
    string CardId,
    Guid TenantId,
    CardScheme Scheme,
    string First6,
    string LastFour,
    int PanLength,
    int ExpiryMonth,
    int ExpiryYear,
    byte[] Fingerprint,
    byte[] Ciphertext,
    byte[]? AddressCiphertext,
    CardFunding? Funding,
    string? IssuerBank,
    string? IssuerCountry,
    string? IssuerId,
    string? ClientIp,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? UsedAt = null);

/// <summary>A single-use token as the API shows it: masked card, BIN metadata, and whether it has been used.</summary>
public sealed record SingleUseToken(
    SingleUseTokenRecord Record,
    string? CardholderName,
    IReadOnlyList<KeyValuePair<string, string>>? Address,
    string Fingerprint)
{
    public bool Used => Record.UsedAt is not null;
}
