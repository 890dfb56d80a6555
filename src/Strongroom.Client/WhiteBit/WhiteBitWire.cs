using System.Text.Json.Serialization;

namespace Strongroom.Client.WhiteBit;

// Request and envelope shapes of the WhiteBIT wire (camelCase). The signing handler adds request, nonce and nonceWindow.

internal sealed record WhiteBitErrorWire(int? Code, string? Message, IReadOnlyDictionary<string, string[]>? Errors);

internal sealed record AliasWire(string Alias);

internal sealed record PagingWire(int Limit, int Offset, string? SubAccountId = null);

internal sealed record KeyCreateWire(string SubAccountId, int Type, string? Title);

internal sealed record KeyIdWire(string SubAccountId, string ApiKeyId);

internal sealed record AccessEndpointNameWire(string Name);

internal sealed record KeyEditWire(string SubAccountId, string ApiKeyId, string? Title, bool? IsEnabled, bool? RestrictAccess, IReadOnlyList<AccessEndpointNameWire>? AccessEndpoints);

internal sealed record EmptyWire;

internal sealed record JwtWire(string Token, [property: JsonPropertyName("expires_at")] long ExpiresAt);

internal sealed record JwtResponseWire(JwtWire Data);

internal sealed record CardNumberWire(string CardNumber);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WhiteBitErrorWire))]
[JsonSerializable(typeof(AliasWire))]
[JsonSerializable(typeof(PagingWire))]
[JsonSerializable(typeof(KeyCreateWire))]
[JsonSerializable(typeof(KeyIdWire))]
[JsonSerializable(typeof(KeyEditWire))]
[JsonSerializable(typeof(EmptyWire))]
[JsonSerializable(typeof(JwtResponseWire))]
[JsonSerializable(typeof(CardNumberWire))]
[JsonSerializable(typeof(WhiteBitSubAccount))]
[JsonSerializable(typeof(WhiteBitPage<WhiteBitSubAccount>))]
[JsonSerializable(typeof(WhiteBitApiKey))]
[JsonSerializable(typeof(WhiteBitPage<WhiteBitApiKey>))]
[JsonSerializable(typeof(CardToken))]
internal sealed partial class WhiteBitJsonContext : JsonSerializerContext;
