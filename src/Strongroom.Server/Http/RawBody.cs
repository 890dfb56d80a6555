using System.Security.Cryptography;
using Strongroom.Server.Hosting;

namespace Strongroom.Server.Http;

/// <summary>
/// The request body, read whole by <see cref="RequestBodyFilter"/> and bound as a handler parameter (a scoped service, filled in
/// after authentication and before the handler body runs). It may hold card data: the filter zeroes it once the handler returned.
/// </summary>
internal sealed class RawBody
{
    private byte[]? _bytes;

    public byte[] Bytes => _bytes ?? throw new InvalidOperationException("Endpoint does not read its body through RequestBodyFilter.");

    public void Set(byte[] bytes) => _bytes = bytes;
}

/// <summary>
/// Reads the body with <see cref="RequestBody"/>'s size limit into the request's <see cref="RawBody"/>. Over the limit, the
/// answer is the dialect's 413 (its <see cref="DialectErrorWriter"/>); runs inside the group's authentication filter, so an
/// unauthenticated request is refused before its body is read.
/// </summary>
internal sealed class RequestBodyFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        HttpContext http = context.HttpContext;
        byte[]? bytes = await RequestBody.ReadAsync(http.Request, http.RequestAborted);
        if (bytes is null)
        {
            return DialectErrors.WriterFor(http).PayloadTooLarge();
        }

        http.RequestServices.GetRequiredService<RawBody>().Set(bytes);
        try
        {
            return await next(context);
        }
        finally
        {
            // The answer is already bytes of its own; the submitted card data must not outlive the handler.
            CryptographicOperations.ZeroMemory(bytes);
        }
    }
}

internal static class RequestBodyFilterExtensions
{
    /// <summary>The endpoint's handler takes a <see cref="RawBody"/>: read it (size-limited, zeroed afterwards) before the handler runs.</summary>
    public static RouteHandlerBuilder ReadsBody(this RouteHandlerBuilder builder) => builder.AddEndpointFilter<RequestBodyFilter>();
}
