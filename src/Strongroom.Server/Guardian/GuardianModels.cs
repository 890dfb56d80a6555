using System.Text.Json.Serialization;

namespace Strongroom.Server.Guardian;

// Wire types of the Guardian dialect, exactly as the seed's OpenAPI names them (snake_case).

internal sealed record GuardianError(
    int Code,
    string Classifier,
    string Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<GuardianValidationError>? ValidationErrors = null);

internal sealed record GuardianValidationError(string Path, string Message);

internal sealed record GuardianCard(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? CardholderName,
    int ExpiryMonth,
    int ExpiryYear,
    string MaskedAccountNumber,
    string Scheme);

internal sealed record GuardianPciToken(
    Guid Id,
    GuardianCard Card,
    string CreatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ExpiresAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, string>? Metadata);

internal sealed record GuardianSession(Guid SessionId);

internal sealed record GuardianTokenList(IReadOnlyList<GuardianPciToken> Data, GuardianLinks Links);

internal sealed record GuardianLinks([property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Next);

internal sealed record GuardianSecurityCodeAvailability(bool SecurityCodeAvailable);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(GuardianError))]
[JsonSerializable(typeof(GuardianPciToken))]
[JsonSerializable(typeof(GuardianSession))]
[JsonSerializable(typeof(GuardianTokenList))]
[JsonSerializable(typeof(GuardianSecurityCodeAvailability))]
internal sealed partial class GuardianJson : JsonSerializerContext;
