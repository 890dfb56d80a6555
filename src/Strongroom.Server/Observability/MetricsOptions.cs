using System.ComponentModel.DataAnnotations;

namespace Strongroom.Server.Observability;

/// <summary>The Prometheus endpoint and what the metrics may carry (section <c>Strongroom:Metrics</c>).</summary>
public sealed class MetricsOptions
{
    public const string Section = "Strongroom:Metrics";

    /// <summary>The scrape path.</summary>
    public const string Path = "/metrics";

    /// <summary>
    /// A separate management port for <c>/metrics</c> (with <c>/healthz</c> and <c>/readyz</c>), without the admin token; the
    /// public port then has no <c>/metrics</c>. Unset (default): <c>/metrics</c> is on the public port behind <c>x-admin-token</c>.
    /// </summary>
    [Range(1, 65535)]
    public int? Port { get; set; }

    /// <summary>The address the management port listens on; loopback by default (use <c>0.0.0.0</c> for a scraper on another host).</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Adds a <c>tenant</c> label (the tenant id, never a name or secret) to the request metrics. Off by default: one series per tenant.</summary>
    public bool IncludeTenant { get; set; }

    /// <summary>How often the state gauges (webhook backlog, audit head, rotation jobs) are read from the database.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(15);
}
