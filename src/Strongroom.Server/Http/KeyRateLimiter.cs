using System.Threading.RateLimiting;

namespace Strongroom.Server.Http;

/// <summary>Per-credential request limits (section <c>Strongroom:RateLimit</c>).</summary>
public sealed class RateLimitOptions
{
    public const string Section = "Strongroom:RateLimit";

    /// <summary>Requests allowed per key per window; WhiteBIT documents 1000 per 10 s.</summary>
    public int PermitLimit { get; set; } = 1000;

    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Fixed-window limits per partition key: per authenticated credential (API key, signing key, admin), shared by every
/// dialect, and per client IP on the hosted form; built on System.Threading.RateLimiting. Each dialect turns a refusal into its own shape.
/// </summary>
internal sealed class KeyRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;
    private readonly TimeSpan _window;

    public KeyRateLimiter(Microsoft.Extensions.Options.IOptions<RateLimitOptions> options)
        : this(options.Value.PermitLimit, options.Value.Window)
    {
    }

    public KeyRateLimiter(int permitLimit, TimeSpan window)
    {
        _window = window;
        _limiter = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permitLimit,
            Window = window,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>Takes one permit for <paramref name="credential"/>; when refused, says after how many seconds to retry.</summary>
    public bool TryAcquire(string credential, out int retryAfterSeconds)
    {
        using RateLimitLease lease = _limiter.AttemptAcquire(credential);
        if (lease.IsAcquired)
        {
            retryAfterSeconds = 0;
            return true;
        }

        retryAfterSeconds = lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
            : Math.Max(1, (int)Math.Ceiling(_window.TotalSeconds));
        return false;
    }

    public void Dispose() => _limiter.Dispose();
}
