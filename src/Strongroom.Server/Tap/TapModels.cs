using System.Text.Json.Serialization;

namespace Strongroom.Server.Tap;

// Wire types of the Tap dialect, exactly as the seed's example names them (snake_case).

internal sealed record TapIssuer(string Bank, string Country, string Id);

internal sealed record TapCard(
    string Id,
    string Object,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, string>? Address,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Funding,
    string Fingerprint,
    string Brand,
    string Scheme,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TapIssuer? Issuer,
    int ExpMonth,
    int ExpYear,
    string LastFour,
    string FirstSix);

internal sealed record TapToken(string Id, long Created, string Object, bool LiveMode, string Type, bool Used, TapCard Card);

internal sealed record TapError(string Code, string Description);

internal sealed record TapErrors(IReadOnlyList<TapError> Errors);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(TapToken))]
[JsonSerializable(typeof(TapErrors))]
internal sealed partial class TapJson : JsonSerializerContext;
