using System.Diagnostics.Metrics;

namespace Strongroom.Core.Telemetry;

/// <summary>
/// Histogram buckets for durations in seconds, from 0.5 ms (a cached read) to 10 s (a slow destination). Without this advice an
/// exporter's default buckets (0 to 10,000, meant for milliseconds) would put every vault operation in the first bucket.
/// </summary>
public static class LatencyBuckets
{
    /// <summary>The bucket boundaries, in seconds.</summary>
    public static readonly IReadOnlyList<double> Seconds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>A seconds histogram on the shared meter with these buckets.</summary>
    public static Histogram<double> CreateHistogram(string name, string description) =>
        VaultMeter.Meter.CreateHistogram(name, "s", description, tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = Seconds });
}
