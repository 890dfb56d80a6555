using Strongroom.Adapters.Redis;
using Strongroom.Core.Storage;

namespace Strongroom.Server.Hosting;

/// <summary>Liveness (<c>/healthz</c>: the process answers) and readiness (<c>/readyz</c>: initialised, the store answers, and the shared Redis when one is configured).</summary>
internal static partial class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/healthz", () => Results.Text("{\"status\":\"ok\"}", "application/json")).WithTags("operations").ExcludeFromDescription();
        routes.MapGet("/readyz", ReadyAsync).WithTags("operations").ExcludeFromDescription();
        return routes;
    }

    private static async Task<IResult> ReadyAsync(HttpContext http, VaultInitializer initializer, IVaultStore store, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        bool storeUp;
        try
        {
            storeUp = await store.PingAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException or InvalidOperationException)
        {
            LogStoreDown(loggers.CreateLogger("Strongroom.Readiness"), ex.GetType().Name);
            storeUp = false;
        }

        // Redis is part of readiness only when configured: a node that cannot reach it refuses every signed or rate-limited request.
        RedisConnection? redis = http.RequestServices.GetService<RedisConnection>();
        bool redisUp = redis is null || await redis.PingAsync();
        bool ready = storeUp && redisUp && initializer.IsReady;
        string redisField = redis is null ? "" : $",\"redis\":\"{(redisUp ? "up" : "down")}\"";
        return Results.Text(
            $"{{\"status\":\"{(ready ? "ready" : "not_ready")}\",\"store\":\"{(storeUp ? "up" : "down")}\"{redisField}}}",
            "application/json",
            statusCode: ready ? 200 : 503);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Readiness: store did not answer ({ExceptionType})")]
    private static partial void LogStoreDown(ILogger logger, string exceptionType);
}
