using Microsoft.AspNetCore.Diagnostics;
using Strongroom.Server.Http;
using Strongroom.Server.Tap;
using Strongroom.Server.WhiteBit;

namespace Strongroom.Server.Hosting;

/// <summary>The error shape a request's answer must use.</summary>
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
    /// <summary>
    /// The writer of the route that was matched (<see cref="DialectErrorWriter"/> metadata its module put on it; in the exception
    /// handler the endpoint is kept on <see cref="IExceptionHandlerFeature"/>). A request no route of a module matched (an unknown
    /// path, a wrong method's 405, a request Kestrel rejected before routing) falls back to its path's route family.
    /// </summary>
    public static DialectErrorWriter WriterFor(HttpContext context)
    {
        Endpoint? endpoint = context.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? context.GetEndpoint();
        return endpoint?.Metadata.GetMetadata<DialectErrorWriter>() ?? ByPath(context.Request.Path);
    }

    /// <summary>The fallback for requests without a module's route: the dialect that owns the path's route family.</summary>
    public static DialectErrorWriter ByPath(PathString path)
    {
        if (path.StartsWithSegments(TapTokenEndpoints.Path, StringComparison.OrdinalIgnoreCase))
        {
            return DialectErrorWriter.Tap;
        }

        return path.StartsWithSegments("/api/v4", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments(CardTokenEndpoints.Path, StringComparison.OrdinalIgnoreCase)
            ? DialectErrorWriter.WhiteBit
            : DialectErrorWriter.Guardian;
    }

    /// <summary>The request's dialect error for <paramref name="status"/>, with a fixed message that never repeats request data.</summary>
    public static JsonResponse For(HttpContext context, int status) => For(WriterFor(context), status);

    /// <summary><paramref name="writer"/>'s error for <paramref name="status"/>, with a fixed message that never repeats request data.</summary>
    public static JsonResponse For(DialectErrorWriter writer, int status)
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
        return writer.Write(status, message);
    }
}
