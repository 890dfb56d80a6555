using System.Text.Json.Serialization;

namespace Strongroom.Client.Tap;

internal sealed record TapCardWire(string Number, int ExpMonth, int ExpYear, string? Cvc, string? Name, IReadOnlyDictionary<string, string>? Address);

internal sealed record TapCreateWire(TapCardWire Card, string? ClientIp);

internal sealed record TapErrorsWire(IReadOnlyList<TapError>? Errors);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TapCreateWire))]
[JsonSerializable(typeof(TapErrorsWire))]
[JsonSerializable(typeof(TapToken))]
internal sealed partial class TapJsonContext : JsonSerializerContext;
