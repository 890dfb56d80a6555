using System.Text.Json;
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
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, string>? Metadata,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Alias = null);

internal sealed record GuardianSession(Guid SessionId);

/// <summary>A session as the merchant's server reads it (<c>GET /api/sessions/{id}</c>).</summary>
internal sealed record GuardianSessionStatus(
    Guid Id,
    string Kind,
    string Status,
    string CreatedAt,
    string ExpiresAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? CompletedAt,
    int AttemptsRemaining,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? PciTokenId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? NetworkTokenId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] GuardianCard? Card,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? ExpiresIn,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, string>? Metadata);

/// <summary>The answer to a successful completion (hosted form or the merchant's own page): no card data beyond the mask.</summary>
internal sealed record GuardianSessionCompletion(
    Guid SessionId,
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? PciTokenId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? NetworkTokenId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] GuardianCard? Card);

/// <summary>The <c>network_token</c> object of a network token (seed 002).</summary>
internal sealed record GuardianNetworkTokenState(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SchemeReference,
    string Status,
    string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? SuspendedBy);

internal sealed record GuardianNetworkToken(
    Guid Id,
    GuardianCard Card,
    string CreatedAt,
    GuardianNetworkTokenState NetworkToken,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? PciTokenId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, string>? Metadata);

internal sealed record GuardianCryptogram(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Cryptogram,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Eci,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DynamicCvv,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Number,
    int ExpiryMonth,
    int ExpiryYear,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? CryptogramReference,
    string ExpiresAt);

internal sealed record GuardianEvent(Guid Id, string Type, string CreatedAt, JsonElement Data);

internal sealed record GuardianEventList(IReadOnlyList<GuardianEvent> Data);

internal sealed record GuardianCryptogramVerification(bool Valid, string Result);

internal sealed record GuardianTokenList(IReadOnlyList<GuardianPciToken> Data, GuardianLinks Links);

internal sealed record GuardianLinks([property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Next);

internal sealed record GuardianSecurityCodeAvailability(bool SecurityCodeAvailable);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(GuardianError))]
[JsonSerializable(typeof(GuardianPciToken))]
[JsonSerializable(typeof(GuardianSession))]
[JsonSerializable(typeof(GuardianSessionStatus))]
[JsonSerializable(typeof(GuardianSessionCompletion))]
[JsonSerializable(typeof(GuardianNetworkToken))]
[JsonSerializable(typeof(GuardianCryptogram))]
[JsonSerializable(typeof(GuardianEventList))]
[JsonSerializable(typeof(GuardianCryptogramVerification))]
[JsonSerializable(typeof(GuardianTokenList))]
[JsonSerializable(typeof(GuardianSecurityCodeAvailability))]
internal sealed partial class GuardianJson : JsonSerializerContext;
