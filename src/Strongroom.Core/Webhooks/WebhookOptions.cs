using System.ComponentModel.DataAnnotations;

namespace Strongroom.Core.Webhooks;

/// <summary>Webhook delivery (section <c>Strongroom:Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    public const string Section = "Strongroom:Webhooks";

    /// <summary>Runs the dispatcher on this node. Every node may run it: claims keep them from sending the same delivery at once.</summary>
    public bool DispatcherEnabled { get; set; } = true;

    /// <summary>How often the dispatcher looks for new events and due retries.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a delivery is retried before it is dead-lettered.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "7.00:00:00")]
    public TimeSpan RetryWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The delay before the first retry; each further retry doubles it (with jitter) up to <see cref="MaxRetryDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan InitialRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A claimed delivery whose dispatcher died comes due again after this; it must exceed <see cref="Timeout"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The whole HTTP exchange with the receiver.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    [Range(1, 1000)]
    public int BatchSize { get; set; } = 50;

    [Range(1, 64)]
    public int MaxConcurrency { get; set; } = 8;

    [Range(1, 100)]
    public int MaxEndpointsPerTenant { get; set; } = 20;

    /// <summary>After a secret rotation, deliveries carry a signature under the previous secret too, for this long.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan SecretRotationGrace { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Development only: allow plain <c>http</c> endpoints on a loopback host.</summary>
    public bool AllowInsecureLoopback { get; set; }

    /// <summary>Allow endpoints that resolve to private, loopback or link-local addresses (an internal receiver). Off: SSRF defence.</summary>
    public bool AllowPrivateNetworks { get; set; }
}
