using System.Text.Json.Serialization;

namespace Strongroom.Client.Tap;

/// <summary>
/// A Tap single-use token (<c>tok_…</c>). <see cref="Created"/> is Unix milliseconds, as Tap sends it; <see cref="Used"/>
/// turns true once a PCI token was created from it or it was forwarded.
/// </summary>
public sealed record TapToken(string Id, long Created, [property: JsonPropertyName("object")] string ObjectType, bool LiveMode, string Type, bool Used, TapCard Card)
{
    /// <summary><see cref="Created"/> as a timestamp.</summary>
    public DateTimeOffset CreatedAt => DateTimeOffset.FromUnixTimeMilliseconds(Created);
}

/// <summary>The card of a Tap token: brand, first six and last four, expiry (two-digit year), a fingerprint and the issuer.</summary>
public sealed record TapCard(
    string Id,
    [property: JsonPropertyName("object")] string ObjectType,
    IReadOnlyDictionary<string, string>? Address,
    string? Funding,
    string Fingerprint,
    string Brand,
    string Scheme,
    string? Name,
    TapIssuer? Issuer,
    int ExpMonth,
    int ExpYear,
    string LastFour,
    string FirstSix);

/// <summary>The issuing bank of a Tap card.</summary>
public sealed record TapIssuer(string Bank, string Country, string Id);
