using System.Globalization;
using Strongroom.Server.Guardian;
using Strongroom.Server.Http;
using Strongroom.Server.Tap;
using Strongroom.Server.WhiteBit;

namespace Strongroom.Server.Hosting;

/// <summary>The error shape a request's answer must use, chosen by its route family.</summary>
internal enum ErrorDialect
{
    /// <summary>Guardian's <c>{code, classifier, message, validation_errors}</c>: <c>/api/…</c>, the hosted form, and any unknown path.</summary>
    Guardian,

    /// <summary>Tap's <c>{errors:[{code, description}]}</c>: <c>/v2/tokens…</c>.</summary>
    Tap,

    /// <summary>WhiteBIT's <c>{code, message, errors}</c>: <c>/api/v4/…</c> and <c>/api/card-token</c>.</summary>
    WhiteBit,
}

/// <summary>
/// The one place that writes an error the framework (or an unhandled exception) produced rather than a handler: a bare status
/// (unknown route, wrong method, wrong content type, a request Kestrel rejected) becomes the dialect's shape with a body.
/// </summary>
internal static class DialectErrors
{
    public static ErrorDialect Of(PathString path)
    {
        if (path.StartsWithSegments(TapTokenEndpoints.Path, StringComparison.OrdinalIgnoreCase))
        {
            return ErrorDialect.Tap;
        }

        return path.StartsWithSegments("/api/v4", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments(CardTokenEndpoints.Path, StringComparison.OrdinalIgnoreCase)
            ? ErrorDialect.WhiteBit
            : ErrorDialect.Guardian;
    }

    /// <summary>The dialect's error for <paramref name="status"/>, with a fixed message that never repeats request data.</summary>
    public static JsonResponse For(PathString path, int status)
    {
        string message = status switch
        {
            400 => "Bad request",
            404 => "Not found",
            405 => "Method not allowed",
            408 => "Request timeout",
            411 => "Length required",
            413 => "The request body exceeds the size limit",
            415 => "Content-Type must be application/json",
            431 => "Request headers too large",
            500 => "Internal error",
            503 => "Service temporarily unavailable",
            _ => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Error",
        };
        return Of(path) switch
        {
            ErrorDialect.Tap => TapResponses.Error(status, TapCode(status), message + "."),
            ErrorDialect.WhiteBit => WhiteBitResponses.Error(status, status, message + "."),
            _ => GuardianResponses.Error(status, Classifier(status), message),
        };
    }

    private static string TapCode(int status) => status switch
    {
        400 => TapErrorCodes.InvalidRequest,
        401 => TapErrorCodes.Unauthorized,
        403 => TapErrorCodes.Forbidden,
        404 => TapErrorCodes.NotFound,
        413 => TapErrorCodes.PayloadTooLarge,
        429 => TapErrorCodes.TooManyRequests,
        _ => "1" + status.ToString(CultureInfo.InvariantCulture),
    };

    private static string Classifier(int status) => status switch
    {
        400 => "BAD_REQUEST",
        401 => "UNAUTHORIZED",
        403 => "FORBIDDEN",
        404 => "NOT_FOUND",
        405 => "METHOD_NOT_ALLOWED",
        408 => "REQUEST_TIMEOUT",
        409 => "CONFLICT",
        413 => "PAYLOAD_TOO_LARGE",
        415 => "UNSUPPORTED_MEDIA_TYPE",
        429 => "TOO_MANY_REQUESTS",
        431 => "REQUEST_HEADERS_TOO_LARGE",
        500 => "INTERNAL_ERROR",
        503 => "SERVICE_UNAVAILABLE",
        _ => status < 500 ? "BAD_REQUEST" : "ERROR",
    };
}
