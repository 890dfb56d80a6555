using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;

namespace Strongroom.Server.Observability;

/// <summary>
/// Renames the runtime and process instruments whose names end in <c>.count</c> but are not histograms (thread, timer, assembly,
/// file-descriptor counts): Prometheus reserves the <c>_count</c> suffix for histograms and summaries, and <c>promtool check
/// metrics</c> rejects a scrape that has one elsewhere.
/// </summary>
internal static class PrometheusNames
{
    private static readonly Dictionary<string, string> Renamed = new(StringComparer.Ordinal)
    {
        ["dotnet.assembly.count"] = "dotnet.assembly.loaded",
        ["dotnet.process.cpu.count"] = "dotnet.process.cpu.cores",
        ["dotnet.thread_pool.thread.count"] = "dotnet.thread_pool.threads",
        ["dotnet.timer.count"] = "dotnet.timers",
        ["process.thread.count"] = "process.threads",
        ["process.unix.file_descriptor.count"] = "process.unix.file_descriptors",
    };

    public static MetricStreamConfiguration? ForGaugeCounts(Instrument instrument)
    {
        if (!instrument.Name.EndsWith(".count", StringComparison.Ordinal) || IsHistogram(instrument))
        {
            return null;
        }

        return new MetricStreamConfiguration
        {
            Name = Renamed.TryGetValue(instrument.Name, out string? name) ? name : instrument.Name[..^".count".Length] + ".current",
        };
    }

    private static bool IsHistogram(Instrument instrument)
    {
        Type type = instrument.GetType();
        return type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Histogram<>);
    }
}
