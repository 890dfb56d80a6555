using System.ComponentModel.DataAnnotations;

namespace Strongroom.Server.InboundProxy;

/// <summary>The inbound proxy's node settings (section <c>Strongroom:InboundProxy</c>); the limits are per route.</summary>
public sealed class InboundProxyOptions
{
    public const string Section = "Strongroom:InboundProxy";

    /// <summary>How often each node re-reads the route table from the store: a route added or removed on any node applies everywhere within it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan ReloadInterval { get; set; } = TimeSpan.FromSeconds(2);
}
