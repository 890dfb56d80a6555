using Strongroom.Core.Cards;

namespace Strongroom.Core.Tokens;

/// <summary>The masked card of a token: what any reader with <c>tokens:read</c> may see.</summary>
public sealed record MaskedCard(string? CardholderName, int ExpiryMonth, int ExpiryYear, string MaskedAccountNumber, CardScheme Scheme);

/// <summary>
/// A PCI token as services hand it to the dialects: masked, decrypted where needed, no PAN. <see cref="Alias"/> is its
/// format-preserving alias when the caller asked for one (or named the token by it).
/// </summary>
public sealed record PciToken(
    Guid Id,
    MaskedCard Card,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    IReadOnlyDictionary<string, string>? Metadata,
    string? Alias = null);

/// <summary>A page of tokens; <see cref="HasMore"/> says whether a next page exists after the last item.</summary>
public sealed record PciTokenPage(IReadOnlyList<PciToken> Items, bool HasMore);
