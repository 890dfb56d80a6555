namespace Strongroom.Server.Http;

/// <summary>
/// A response already serialised to JSON bytes. Dialect handlers produce these (rather than letting
/// the framework serialise) so that the idempotency layer can store and replay the exact bytes.
/// </summary>
internal sealed class JsonResponse(int status, byte[] body) : IResult, IStatusCodeHttpResult
{
    public int Status { get; } = status;

    public byte[] Body { get; } = body;

    int? IStatusCodeHttpResult.StatusCode => Status;

    /// <summary>Set on a response replayed from an idempotency key.</summary>
    public bool Replayed { get; init; }

    /// <summary>Seconds for a <c>Retry-After</c> header (rate-limited responses).</summary>
    public int? RetryAfterSeconds { get; init; }

    public static JsonResponse NoContent() => new(StatusCodes.Status204NoContent, []);

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = Status;
        if (Replayed)
        {
            httpContext.Response.Headers["x-idempotent-replayed"] = "true";
        }

        if (RetryAfterSeconds is int seconds)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (Body.Length > 0)
        {
            httpContext.Response.ContentType = "application/json; charset=utf-8";
            httpContext.Response.ContentLength = Body.Length;
            await httpContext.Response.Body.WriteAsync(Body, httpContext.RequestAborted);
        }
    }
}
