using System.Globalization;
using System.Text.Json;
using Strongroom.Core.Cards;
using Strongroom.Core.NetworkTokens;
using Strongroom.Core.Sessions;
using Strongroom.Core.Tokens;
using Strongroom.Server.Http;

namespace Strongroom.Server.Guardian;

/// <summary>
/// The one place Guardian responses and errors are written. Error classifiers and messages are the
/// seed's, verbatim; tests assert on them.
/// </summary>
internal static class GuardianResponses
{
    public const string UnauthorizedMessage = "No valid means of authentication was provided";
    public const string ForbiddenMessage = "Not allowed to access this resource or feature";

    public static JsonResponse Unauthorized() => Error(401, "UNAUTHORIZED", UnauthorizedMessage);

    public static JsonResponse Forbidden() => Error(403, "FORBIDDEN", ForbiddenMessage);

    public static JsonResponse NotFound() => Error(404, "NOT_FOUND", "Not found");

    public static JsonResponse Conflict(string message = "Conflict") => Error(409, "CONFLICT", message);

    public static JsonResponse PayloadTooLarge(int maxBytes = RequestBody.MaxBytes) => Error(413, "PAYLOAD_TOO_LARGE", $"The request body exceeds {maxBytes} bytes");

    public static JsonResponse TooManyRequests(int retryAfterSeconds) =>
        new(429, JsonSerializer.SerializeToUtf8Bytes(new GuardianError(429, "TOO_MANY_REQUESTS", "Too many requests"), GuardianJson.Default.GuardianError)) { RetryAfterSeconds = retryAfterSeconds };

    public static JsonResponse InternalError() => Error(500, "INTERNAL_ERROR", "Internal error");

    public static JsonResponse Validation(IReadOnlyList<GuardianValidationError> errors) =>
        Json(422, new GuardianError(422, "VALIDATION_ERROR", "Validation error", errors), GuardianJson.Default.GuardianError);

    public static JsonResponse Validation(string path, string message) => Validation([new GuardianValidationError(path, message)]);

    public static JsonResponse Error(int status, string classifier, string message) =>
        Json(status, new GuardianError(status, classifier, message), GuardianJson.Default.GuardianError);

    public static JsonResponse Token(PciToken token) => Json(200, ToWire(token), GuardianJson.Default.GuardianPciToken);

    public static GuardianPciToken ToWire(PciToken token) => new(
        token.Id,
        ToWire(token.Card),
        Timestamp(token.CreatedAt),
        token.ExpiresAt is { } expiresAt ? Timestamp(expiresAt) : null,
        token.Metadata,
        token.Alias);

    public static GuardianCard ToWire(MaskedCard card) =>
        new(card.CardholderName, card.ExpiryMonth, card.ExpiryYear, card.MaskedAccountNumber, card.Scheme.WireName());

    public static JsonResponse Session(SessionView session) => Json(200, ToWire(session), GuardianJson.Default.GuardianSessionStatus);

    public static GuardianSessionStatus ToWire(SessionView session) => new(
        session.Id,
        KindName(session.Record.Kind),
        StatusName(session.Status),
        Timestamp(session.Record.CreatedAt),
        Timestamp(session.Record.ExpiresAt),
        session.Record.CompletedAt is { } completedAt ? Timestamp(completedAt) : null,
        session.AttemptsRemaining,
        session.Record.Kind == SessionKind.NetworkToken ? null : session.Record.TokenId,
        session.Record.Kind == SessionKind.NetworkToken ? session.Record.TokenId : null,
        session.Card is { } card ? ToWire(card) : null,
        session.Options.ExpiresInSeconds,
        session.Options.Metadata);

    public static string KindName(SessionKind kind) => kind switch
    {
        SessionKind.SecurityCode => "security_code",
        SessionKind.NetworkToken => "network_token",
        _ => "pci_token",
    };

    public static JsonResponse NetworkToken(NetworkToken token) => Json(200, ToWire(token), GuardianJson.Default.GuardianNetworkToken);

    public static GuardianNetworkToken ToWire(NetworkToken token) => new(
        token.Id,
        ToWire(token.Card),
        Timestamp(token.CreatedAt),
        new GuardianNetworkTokenState(
            token.SchemeReference,
            token.Status.WireName(),
            token.Type.WireName(),
            token.SuspendedBy == SuspensionParties.None ? null : Enum.GetValues<SuspensionParties>().Where(p => p != SuspensionParties.None && token.SuspendedBy.HasFlag(p)).Select(p => p.WireName()).ToList()),
        token.PciTokenId,
        token.Metadata);

    public static string StatusName(SessionStatus status) => status switch
    {
        SessionStatus.Created => "created",
        SessionStatus.Completed => "completed",
        SessionStatus.Locked => "locked",
        _ => "expired",
    };

    public static JsonResponse Json<T>(int status, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo) =>
        new(status, JsonSerializer.SerializeToUtf8Bytes(value, typeInfo));

    /// <summary>RFC 3339 in UTC with second precision, as in the seed's examples (<c>2023-10-01T12:00:00Z</c>).</summary>
    public static string Timestamp(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
