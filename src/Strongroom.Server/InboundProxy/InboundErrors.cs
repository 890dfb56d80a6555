using System.Text.Json;
using System.Text.Json.Serialization;
using Strongroom.Core.InboundRoutes;
using Strongroom.Server.Guardian;
using Strongroom.Server.Http;

namespace Strongroom.Server.InboundProxy;

internal sealed record InboundProblemError(string Path, string Message);

/// <summary>RFC 9457 problem details, with the field errors as the extension member <c>errors</c>.</summary>
internal sealed record InboundProblem(
    string Type,
    string Title,
    int Status,
    string Detail,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<InboundProblemError>? Errors);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(InboundProblem))]
internal sealed partial class InboundProblemJson : JsonSerializerContext;

/// <summary>The proxy's own answers (never the upstream's) in the shape the route chose: Guardian's or RFC 9457 problem details.</summary>
internal static class InboundErrors
{
    public static IResult Write(InboundErrorShape shape, int status, string classifier, string message, IReadOnlyList<InboundFieldError>? errors = null, int? retryAfterSeconds = null)
    {
        if (shape == InboundErrorShape.Guardian)
        {
            JsonResponse guardian = errors is { Count: > 0 }
                ? GuardianResponses.Json(status, new GuardianError(status, classifier, message, [.. errors.Select(e => new GuardianValidationError(e.Path, e.Message))]), GuardianJson.Default.GuardianError)
                : GuardianResponses.Error(status, classifier, message);
            return retryAfterSeconds is int seconds ? new JsonResponse(guardian.Status, guardian.Body) { RetryAfterSeconds = seconds } : guardian;
        }

        var problem = new InboundProblem("about:blank", Title(status), status, message, errors is { Count: > 0 } ? [.. errors.Select(e => new InboundProblemError(e.Path, e.Message))] : null);
        return new ProblemResult(status, JsonSerializer.SerializeToUtf8Bytes(problem, InboundProblemJson.Default.InboundProblem), retryAfterSeconds);
    }

    public static IResult Validation(InboundErrorShape shape, IReadOnlyList<InboundFieldError> errors) =>
        Write(shape, 422, "VALIDATION_ERROR", "Validation error", errors);

    private static string Title(int status) => status switch
    {
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        502 => "Bad Gateway",
        504 => "Gateway Timeout",
        _ => "Error",
    };

    private sealed class ProblemResult(int status, byte[] body, int? retryAfterSeconds) : IResult, IStatusCodeHttpResult
    {
        int? IStatusCodeHttpResult.StatusCode => status;

        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            if (retryAfterSeconds is int seconds)
            {
                httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            httpContext.Response.ContentType = "application/problem+json";
            httpContext.Response.ContentLength = body.Length;
            await httpContext.Response.Body.WriteAsync(body, httpContext.RequestAborted);
        }
    }
}
