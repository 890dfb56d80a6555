using Microsoft.AspNetCore.Diagnostics;
using Strongroom.Core.Crypto;
using Strongroom.Server.Http;

namespace Strongroom.Server.Hosting;

/// <summary>The pipeline's last resort: unhandled exceptions and bare framework statuses answered in the dialect's error shape.</summary>
internal static class ErrorPipeline
{
    /// <summary>Adds the exception handler and the status-code pages, both writing through <see cref="DialectErrors"/>.</summary>
    public static IApplicationBuilder UseDialectErrors(this IApplicationBuilder app)
    {
        app.UseExceptionHandler(errors => errors.Run(WriteInternalErrorAsync));
        app.UseStatusCodePages(WriteBareStatusAsync);
        return app;
    }

    /// <summary>
    /// Unhandled exceptions become the dialect's error shape without details (those go to the redacted log). A request Kestrel
    /// rejects while the body is read (a chunked body over the size limit, a malformed chunk, a body arriving too slowly) is its own
    /// 4xx, not a 500. A dependency that is down (the database, or the shared Redis) is a 503 with Retry-After rather than a 500:
    /// the request failed cleanly, nothing was acknowledged, and the same node serves again once the dependency is back.
    /// </summary>
    private static async Task WriteInternalErrorAsync(HttpContext context)
    {
        Exception? error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        if (RejectedRequestStatus(error) is int status)
        {
            await DialectErrors.For(context, status).ExecuteAsync(context);
            return;
        }

        if (IsDependencyUnavailable(error))
        {
            JsonResponse unavailable = DialectErrors.For(context, 503);
            await new JsonResponse(unavailable.Status, unavailable.Body) { RetryAfterSeconds = 1 }.ExecuteAsync(context);
            return;
        }

        await DialectErrors.For(context, 500).ExecuteAsync(context);
    }

    /// <summary>The 4xx status of a request the server refused (<see cref="BadHttpRequestException"/>), wherever it was wrapped.</summary>
    internal static int? RejectedRequestStatus(Exception? error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is BadHttpRequestException { StatusCode: >= 400 and < 500 } rejected)
            {
                return rejected.StatusCode;
            }
        }

        return null;
    }

    /// <summary>A transient failure of a dependency: a database error the provider marks transient (connection refused or lost,
    /// server shutting down, SQLite busy), a database timeout, or the shared Redis not answering.</summary>
    internal static bool IsDependencyUnavailable(Exception? error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            // A key version that is still missing after the keyring re-read the store (logged there) fails the request cleanly too.
            if (e is Strongroom.Adapters.Redis.SharedStateUnavailableException or TimeoutException or KeyVersionUnavailableException
                || e is System.Data.Common.DbException { IsTransient: true })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Framework-produced empty error responses (unknown route, wrong method or content type, a rejected request) get the dialect's error shape too.</summary>
    private static Task WriteBareStatusAsync(StatusCodeContext context) =>
        DialectErrors.For(context.HttpContext, context.HttpContext.Response.StatusCode).ExecuteAsync(context.HttpContext);
}
