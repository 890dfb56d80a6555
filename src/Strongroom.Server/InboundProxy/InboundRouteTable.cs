using System.Collections.Frozen;
using Microsoft.Extensions.Options;
using Strongroom.Core.InboundRoutes;

namespace Strongroom.Server.InboundProxy;

/// <summary>
/// This node's copy of every tenant's inbound routes, by prefix: re-read from the store every
/// <see cref="InboundProxyOptions.ReloadInterval"/> (so a change made through any node applies on every node within it) and at
/// once after a change made through this node. A failed reload keeps the last table; the next interval tries again.
/// </summary>
internal sealed partial class InboundRouteTable(InboundRouteService routes, IOptions<InboundProxyOptions> options, ILogger<InboundRouteTable> logger) : BackgroundService
{
    private volatile FrozenDictionary<string, InboundRoute> _byPrefix = FrozenDictionary<string, InboundRoute>.Empty;
    private volatile bool _loaded;

    /// <summary>The route of <paramref name="prefix"/>, or null.</summary>
    public async ValueTask<InboundRoute?> FindAsync(string prefix, CancellationToken cancellationToken)
    {
        if (!_loaded)
        {
            await ReloadAsync(cancellationToken);
        }

        return _byPrefix.GetValueOrDefault(prefix);
    }

    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<InboundRoute> all = await routes.ListAllAsync(cancellationToken);
        _byPrefix = all.ToFrozenDictionary(r => r.Prefix, StringComparer.Ordinal);
        _loaded = true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ReloadInterval);
        try
        {
            do
            {
                try
                {
                    await ReloadAsync(stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
#pragma warning disable CA1031 // A store outage must not stop the reload loop; the last table stays in use meanwhile.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    LogReloadFailed(logger, ex.GetType().Name);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    [LoggerMessage(EventId = 9101, Level = LogLevel.Warning, Message = "Reloading the inbound route table failed ({ErrorType}); the previous table stays in use")]
    private static partial void LogReloadFailed(ILogger logger, string errorType);
}
