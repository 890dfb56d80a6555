using Strongroom.Adapters.Redis;
using Strongroom.Core.Storage;

namespace Strongroom.Server.Hosting;

/// <summary>
/// What a node does before it reports ready, so that its first requests under full load are served, not failed: a node
/// restarted into a running cluster used to take 4–16 s to serve and answered 503s meanwhile although PostgreSQL and Redis
/// were up. Three causes, each handled here:
/// <list type="bullet">
/// <item>The thread pool starts with one worker per core and grows slowly, while the Redis-backed stores make synchronous
/// calls (the security-code store's interface is synchronous): a burst of requests at start blocked every worker and the
/// Redis timeouts became 503s. The pool's minimum is raised so a burst gets threads at once.</item>
/// <item>The Redis connection was made lazily by the first request, under load, and the shared sealing keys were loaded
/// under a lock by whichever requests came first. Both are made here, waiting a bounded time for a Redis that is briefly
/// slow.</item>
/// <item>Store connections were opened by the first requests; a few are opened here so the pool is warm.</item>
/// </list>
/// A dependency that is still down after the bounded wait does not fail the start: readiness reports it, and the node
/// becomes ready when it answers.
/// </summary>
internal sealed partial class StartupWarmup(IVaultStore store, IServiceProvider services, ILogger<StartupWarmup> logger)
{
    /// <summary>Worker threads available at once: enough for the synchronous Redis calls of a full connection pool's requests.</summary>
    public const int MinWorkerThreads = 64;

    private const int StoreConnections = 8;
    private static readonly TimeSpan DependencyWait = TimeSpan.FromSeconds(10);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        ThreadPool.GetMinThreads(out int workers, out int io);
        ThreadPool.SetMinThreads(Math.Max(workers, MinWorkerThreads), Math.Max(io, MinWorkerThreads));

        await WarmStoreAsync(cancellationToken);
        if (services.GetService<RedisConnection>() is { } redis)
        {
            await WarmRedisAsync(redis, cancellationToken);
        }
    }

    private async Task WarmStoreAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(Enumerable.Range(0, StoreConnections).Select(_ => store.PingAsync(cancellationToken)));
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException or InvalidOperationException)
        {
            LogNotWarm(logger, "store", ex.GetType().Name);
        }
    }

    private async Task WarmRedisAsync(RedisConnection redis, CancellationToken cancellationToken)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        // Connecting is synchronous in the client library: off the start-up thread, and bounded by its connect timeout.
        await Task.Run(() => redis.Multiplexer, cancellationToken);
        while (!await redis.PingAsync())
        {
            if (waited.Elapsed > DependencyWait)
            {
                LogNotWarm(logger, "redis", "no answer to PING");
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }

        // The shared sealing keys (security codes, gateway JWT keys) are created or unwrapped once, here, not by the first requests.
        try
        {
            await Task.Run(() => services.GetService<RedisSharedKey>()?.WarmUp(), cancellationToken);
        }
        catch (SharedStateUnavailableException ex)
        {
            LogNotWarm(logger, "redis shared key", ex.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Start-up: {Dependency} was not warmed up ({Reason}); readiness waits for it")]
    private static partial void LogNotWarm(ILogger logger, string dependency, string reason);
}
