using System.ComponentModel.DataAnnotations;
using Strongroom.Adapters.Redis;

namespace Strongroom.Server.HostedForm;

/// <summary>Abuse limits of the public hosted-form endpoints (section <c>Strongroom:HostedForm</c>).</summary>
public sealed class HostedFormOptions
{
    public const string Section = "Strongroom:HostedForm";

    /// <summary>
    /// Form loads and completion attempts allowed per client IP per <see cref="Window"/>. The form is public:
    /// this bounds card testing across sessions, as the per-session attempt limit bounds it within one.
    /// </summary>
    [Range(1, 100_000)]
    public int PermitLimitPerClient { get; set; } = 30;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Largest completion body accepted; a card needs a few hundred bytes.</summary>
    [Range(256, 65_536)]
    public int MaxBodyBytes { get; set; } = 4096;
}

/// <summary>The per-client-IP limiter of the hosted form, separate from the per-credential one.</summary>
internal sealed class HostedFormRateLimiter(Microsoft.Extensions.Options.IOptions<HostedFormOptions> options, RedisConnection? redis = null) : IDisposable
{
    private readonly Http.KeyRateLimiter _limiter = new(options.Value.PermitLimitPerClient, options.Value.Window, redis, "rl:form:");

    public ValueTask<Http.RateLimitDecision> TryAcquireAsync(HttpContext http) =>
        _limiter.TryAcquireAsync("ip:" + (http.Connection.RemoteIpAddress?.ToString() ?? "unknown"));

    public void Dispose() => _limiter.Dispose();
}
