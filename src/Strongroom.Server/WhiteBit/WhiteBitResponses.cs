using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Strongroom.Server.Http;

namespace Strongroom.Server.WhiteBit;

/// <summary>
/// The one place WhiteBIT-dialect responses and errors are written, in the seed's
/// <c>{code, message, errors{field:[..]}}</c> shape. Authentication messages are WhiteBIT's documented ones.
/// </summary>
internal static class WhiteBitResponses
{
    /// <summary>WhiteBIT's error code for request validation failures.</summary>
    public const int ValidationCode = 30;

    public const string PayloadNotProvided = "Payload not provided.";
    public const string NonceNotProvided = "Nonce not provided.";
    public const string TooManyRequests = "Too many requests.";
    public const string KeyDisabled = "This action is unauthorized. Enable your key in API settings";
    public const string NoPermission = "You don't have permission to use this endpoint.";
    public const string InvalidPayload = "Invalid payload";
    public const string UnauthorizedRequest = "Unauthorized request.";
    public const string NonceOutsideWindow = "Nonce is outside the allowed window of 5 seconds.";
    public const string RequestPathMismatch = "Request path does not match the signed request.";

    public static JsonResponse Unauthorized(string message) => Error(401, 401, message);

    public static JsonResponse Forbidden() => Error(403, 403, NoPermission);

    public static JsonResponse RateLimited(int retryAfterSeconds) =>
        new(429, JsonSerializer.SerializeToUtf8Bytes(new WhiteBitError(429, TooManyRequests), WhiteBitJson.Default.WhiteBitError)) { RetryAfterSeconds = retryAfterSeconds };

    public static JsonResponse PayloadTooLarge() => Error(413, 413, $"The request body exceeds {RequestBody.MaxBytes} bytes.");

    public static JsonResponse Validation(string field, string message) => Validation(new Dictionary<string, string[]> { [field] = [message] });

    public static JsonResponse Validation(IReadOnlyDictionary<string, string[]> errors) =>
        Json(400, new WhiteBitError(ValidationCode, "Validation failed", errors), WhiteBitJson.Default.WhiteBitError);

    public static JsonResponse Error(int status, int code, string message) =>
        Json(status, new WhiteBitError(code, message), WhiteBitJson.Default.WhiteBitError);

    public static JsonResponse Json<T>(int status, T value, JsonTypeInfo<T> typeInfo) => new(status, JsonSerializer.SerializeToUtf8Bytes(value, typeInfo));
}

/// <summary>Collects WhiteBIT per-field validation messages.</summary>
internal sealed class WhiteBitErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out List<string>? messages))
        {
            _errors[field] = messages = [];
        }

        messages.Add(message);
    }

    public JsonResponse ToResponse() => WhiteBitResponses.Validation(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal));
}
