using System.Text.Json.Serialization;

namespace Strongroom.Client.Guardian;

// Request and envelope shapes of the Guardian wire (snake_case), internal: callers use the typed methods.

internal sealed record GuardianErrorWire(int Code, string? Classifier, string? Message, IReadOnlyList<GuardianValidationError>? ValidationErrors);

internal sealed record TokenSourceWire(
    string Type,
    string? AccountNumber = null,
    int? ExpiryMonth = null,
    int? ExpiryYear = null,
    string? SecurityCode = null,
    string? CardholderName = null,
    string? TokenId = null,
    Guid? PciTokenId = null);

internal sealed record TokenCreateWire(TokenSourceWire Source, int? ExpiresIn, IReadOnlyDictionary<string, string>? Metadata);

internal sealed record CardWire(string? AccountNumber, int? ExpiryMonth, int? ExpiryYear, string? SecurityCode, string? CardholderName);

internal sealed record AccountNumberWire(string AccountNumber);

internal sealed record ReasonWire(string? Reason);

internal sealed record CryptogramRequestWire(long? Amount, string? Currency, string Mode);

internal sealed record TokenListWire(IReadOnlyList<PciToken> Data, LinksWire? Links);

internal sealed record LinksWire(string? Next);

internal sealed record SecurityCodeAvailabilityWire(bool SecurityCodeAvailable);

internal sealed record EventListWire(IReadOnlyList<NetworkTokenEvent> Data);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(GuardianErrorWire))]
[JsonSerializable(typeof(TokenCreateWire))]
[JsonSerializable(typeof(CardWire))]
[JsonSerializable(typeof(AccountNumberWire))]
[JsonSerializable(typeof(ReasonWire))]
[JsonSerializable(typeof(CryptogramRequestWire))]
[JsonSerializable(typeof(TokenListWire))]
[JsonSerializable(typeof(SecurityCodeAvailabilityWire))]
[JsonSerializable(typeof(EventListWire))]
[JsonSerializable(typeof(PciToken))]
[JsonSerializable(typeof(SessionCreated))]
[JsonSerializable(typeof(CardSession))]
[JsonSerializable(typeof(SessionCompletion))]
[JsonSerializable(typeof(NetworkToken))]
[JsonSerializable(typeof(IssuedCryptogram))]
[JsonSerializable(typeof(CardMetadata))]
internal sealed partial class GuardianJsonContext : JsonSerializerContext;
