using System.Globalization;
using Strongroom.Server.Guardian;
using Strongroom.Server.Http;
using Strongroom.Server.Tap;
using Strongroom.Server.WhiteBit;

namespace Strongroom.Server.Hosting;

/// <summary>
/// Endpoint metadata a dialect module puts on its routes: how an error the framework (or an unhandled exception) produced for
/// one of them is written. <see cref="DialectErrors"/> reads it, so the route, not its URL, decides the error shape.
/// </summary>
internal sealed class DialectErrorWriter
{
    public static readonly DialectErrorWriter Guardian = new(ErrorDialect.Guardian);
    public static readonly DialectErrorWriter Tap = new(ErrorDialect.Tap);
    public static readonly DialectErrorWriter WhiteBit = new(ErrorDialect.WhiteBit);

    private DialectErrorWriter(ErrorDialect dialect) => Dialect = dialect;

    public ErrorDialect Dialect { get; }

    /// <summary>The dialect's error for <paramref name="status"/> with a fixed <paramref name="message"/> (no trailing full stop).</summary>
    public JsonResponse Write(int status, string message) => Dialect switch
    {
        ErrorDialect.Tap => TapResponses.Error(status, TapCode(status), message + "."),
        ErrorDialect.WhiteBit => WhiteBitResponses.Error(status, status, message + "."),
        _ => GuardianResponses.Error(status, Classifier(status), message),
    };

    /// <summary>The dialect's answer to a body over <see cref="RequestBody.MaxBytes"/> (what its handlers answered before the body was bound).</summary>
    public JsonResponse PayloadTooLarge() => Dialect switch
    {
        ErrorDialect.Tap => TapResponses.Error(413, TapErrorCodes.PayloadTooLarge, $"The request body exceeds {RequestBody.MaxBytes} bytes."),
        ErrorDialect.WhiteBit => WhiteBitResponses.PayloadTooLarge(),
        _ => GuardianResponses.PayloadTooLarge(),
    };

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

internal static class DialectErrorWriterExtensions
{
    /// <summary>Marks every route of <paramref name="builder"/> as answering framework errors through <paramref name="writer"/>.</summary>
    public static TBuilder WithErrorWriter<TBuilder>(this TBuilder builder, DialectErrorWriter writer)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(writer);
}
