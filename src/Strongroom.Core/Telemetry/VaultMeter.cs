using System.Diagnostics.Metrics;

namespace Strongroom.Core.Telemetry;

/// <summary>The one meter every Strongroom instrument hangs off, so an exporter subscribes to a single name.</summary>
public static class VaultMeter
{
    /// <summary>The meter name exporters subscribe to.</summary>
    public const string Name = "Strongroom";

    /// <summary>The shared meter.</summary>
    public static readonly Meter Meter = new(Name, "1.0");
}
