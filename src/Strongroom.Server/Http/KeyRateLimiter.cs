using System.Threading.RateLimiting;
using StackExchange.Redis;
using Strongroom.Adapters.Redis;

namespace Strongroom.Server.Http;

/// <summary>Per-credential request limits (section <c>Strongroom:RateLimit</c>).</summary>
public sealed class RateLimitOptions
{
    public const string Section = "Strongroom:RateLimit";

    /// <summary>Requests allowed per key per window; WhiteBIT documents 1000 per 10 s.</summary>
    public int PermitLimit { get; set; } = 1000;

    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>The answer of a rate limiter: acquired, or refused with the seconds after which to retry.</summary>
internal readonly record struct RateLimitDecision(bool Acquired, int RetryAfterSeconds)
{
    public static RateLimitDecision Granted => new(true, 0);
}

/// <summary>
/// Fixed-window limits per partition key: per authenticated credential (API key, signing key, admin), shared by every
/// dialect, and per client IP on the hosted form. Each dialect turns a refusal into its own shape.
/// Without Redis the counters are this process's (System.Threading.RateLimiting), so N nodes allow up to N times the limit;
/// with <c>Strongroom:Redis</c> they are shared by every node (one counter per partition and window, INCR + PEXPIRE), and a
/// Redis failure throws <see cref="SharedStateUnavailableException"/>: the limit fails closed, it is never skipped.
/// </summary>
internal sealed class KeyRateLimiter : IDisposable
{
    // Counts one request in the current window and returns {count, remaining ms of the window}.
    private const string IncrementScript = """
        local count = redis.call('INCR', KEYS[1])
        if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
        local ttl = redis.call('PTTL', KEYS[1])
        if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
        return {count, ttl}
        """;

    private readonly PartitionedRateLimiter<string>? _limiter;
    private readonly RedisConnection? _redis;
    private readonly string _name;
    private readonly int _permitLimit;
    private readonly TimeSpan _window;

    public KeyRateLimiter(Microsoft.Extensions.Options.IOptions<RateLimitOptions> options, RedisConnection? redis = null)
        : this(options.Value.PermitLimit, options.Value.Window, redis, "rl:key:")
    {
    }

    public KeyRateLimiter(int permitLimit, TimeSpan window, RedisConnection? redis = null, string name = "rl:key:")
    {
        _permitLimit = permitLimit;
        _window = window;
        _redis = redis;
        _name = name;
        if (redis is null)
        {
            _limiter = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = permitLimit,
                Window = window,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
        }
    }

    /// <summary>Takes one permit for <paramref name="credential"/>; when refused, says after how many seconds to retry.</summary>
    public async ValueTask<RateLimitDecision> TryAcquireAsync(string credential)
    {
        if (_redis is null)
        {
            using RateLimitLease lease = _limiter!.AttemptAcquire(credential);
            if (lease.IsAcquired)
            {
                return RateLimitDecision.Granted;
            }

            return new RateLimitDecision(false, lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan retryAfter)
                ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
                : Math.Max(1, (int)Math.Ceiling(_window.TotalSeconds)));
        }

        long windowMs = Math.Max(1, (long)_window.TotalMilliseconds);
        long windowIndex = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / windowMs;
        RedisKey key = _redis.Key(_name + credential + ":" + windowIndex.ToString(System.Globalization.CultureInfo.InvariantCulture));
        RedisResult result = await _redis.RunAsync(db => db.ScriptEvaluateAsync(IncrementScript, [key], [windowMs]));
        var values = (RedisResult[])result!;
        long count = (long)values[0];
        long ttl = (long)values[1];
        return count <= _permitLimit
            ? RateLimitDecision.Granted
            : new RateLimitDecision(false, Math.Max(1, (int)Math.Ceiling(ttl / 1000.0)));
    }

    public void Dispose() => _limiter?.Dispose();
}
