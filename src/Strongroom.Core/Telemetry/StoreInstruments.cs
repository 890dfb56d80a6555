using System.Diagnostics.Metrics;

namespace Strongroom.Core.Telemetry;

/// <summary>The store's instruments: latency and errors of every store operation, by engine and operation name.</summary>
internal static class StoreInstruments
{
    /// <summary>Seconds per store call (the method name without <c>Async</c>); a failed call is measured too.</summary>
    public static readonly Histogram<double> Duration = LatencyBuckets.CreateHistogram("strongroom.store.operation.duration", "Duration of store operations, by engine and operation.");

    /// <summary>Store calls that threw or returned a faulted task, by engine, operation and exception type (never its message).</summary>
    public static readonly Counter<long> Errors = VaultMeter.Meter.CreateCounter<long>(
        "strongroom.store.errors", "{error}", "Store operations that failed, by engine, operation and error type.");
}
