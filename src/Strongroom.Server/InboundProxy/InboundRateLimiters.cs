using System.Collections.Concurrent;
using Strongroom.Adapters.Redis;
using Strongroom.Core.InboundRoutes;
using Strongroom.Server.Http;

namespace Strongroom.Server.InboundProxy;

/// <summary>
/// Each route's own limit (requests per minute), through the vault's one limiter (<see cref="KeyRateLimiter"/>): per node in
/// memory, or per vault in Redis when configured (failing closed).
/// </summary>
internal sealed class InboundRateLimiters(RedisConnection? redis = null) : IDisposable
{
    private readonly ConcurrentDictionary<(Guid Route, int Limit), KeyRateLimiter> _limiters = new();

    public ValueTask<RateLimitDecision> TryAcquireAsync(InboundRoute route) =>
        _limiters.GetOrAdd((route.Id, route.Rules.RateLimitPerMinute), key => new KeyRateLimiter(key.Limit, TimeSpan.FromMinutes(1), redis, "rl:inbound:"))
            .TryAcquireAsync(route.Id.ToString());

    public void Dispose()
    {
        foreach (KeyRateLimiter limiter in _limiters.Values)
        {
            limiter.Dispose();
        }
    }
}
