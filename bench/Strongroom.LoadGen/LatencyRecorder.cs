using System.Diagnostics;
using HdrHistogram;

namespace Strongroom.LoadGen;

/// <summary>
/// One worker's measurements (no locking: each worker owns one; they are merged at the end). Latencies are recorded in
/// microseconds into HdrHistogram (3 significant digits, up to 10 minutes).
/// </summary>
internal sealed class LatencyRecorder
{
    private const long MaxMicroseconds = 600_000_000;

    public LongHistogram Latency { get; } = new(1, MaxMicroseconds, 3);

    /// <summary>Open loop only: intended send time to actual send (the generator's lateness plus waiting for a free connection).</summary>
    public LongHistogram SendLag { get; } = new(1, MaxMicroseconds, 3);

    public Dictionary<string, long> Errors { get; } = new(StringComparer.Ordinal);

    public long Ok { get; private set; }

    /// <summary>The latest completion of a measured request (Stopwatch ticks).</summary>
    public long LastCompletion { get; private set; }

    public static long Microseconds(long fromTicks, long toTicks) =>
        Math.Clamp((toTicks - fromTicks) * 1_000_000 / Stopwatch.Frequency, 1, MaxMicroseconds);

    public void Success(long fromTicks, long toTicks)
    {
        Ok++;
        Latency.RecordValue(Microseconds(fromTicks, toTicks));
        LastCompletion = Math.Max(LastCompletion, toTicks);
    }

    /// <summary>A failed request: counted by kind, and its time still recorded (a refusal is not faster service).</summary>
    public void Failure(string kind, long fromTicks, long toTicks)
    {
        Errors[kind] = Errors.GetValueOrDefault(kind) + 1;
        Latency.RecordValue(Microseconds(fromTicks, toTicks));
        LastCompletion = Math.Max(LastCompletion, toTicks);
    }

    public void Lag(long intendedTicks, long sentTicks) => SendLag.RecordValue(Microseconds(intendedTicks, sentTicks));
}
