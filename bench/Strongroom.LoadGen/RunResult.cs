using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using HdrHistogram;

namespace Strongroom.LoadGen;

/// <summary>Percentiles in milliseconds, read from an HdrHistogram of microseconds.</summary>
internal sealed record Percentiles(double P50, double P90, double P99, [property: JsonPropertyName("p99_9")] double P999, double Max, double Mean)
{
    public static Percentiles Of(HistogramBase histogram) => histogram.TotalCount == 0
        ? new Percentiles(0, 0, 0, 0, 0, 0)
        : new Percentiles(
            Ms(histogram.GetValueAtPercentile(50)),
            Ms(histogram.GetValueAtPercentile(90)),
            Ms(histogram.GetValueAtPercentile(99)),
            Ms(histogram.GetValueAtPercentile(99.9)),
            Ms(histogram.GetMaxValue()),
            Math.Round(histogram.GetMean() / 1000, 3));

    private static double Ms(long microseconds) => Math.Round(microseconds / 1000.0, 3);
}

/// <summary>The one JSON line a run prints.</summary>
internal sealed record RunResult(
    string Scenario,
    string Mode,
    string Label,
    int Servers,
    int Connections,
    double TargetRps,
    double AchievedRps,
    double DurationS,
    long Ok,
    long ErrorCount,
    IReadOnlyDictionary<string, long> Errors,
    double IdempotencyShare,
    [property: JsonPropertyName("latency_ms")] Percentiles LatencyMs,
    [property: JsonPropertyName("queue_wait_ms")] Percentiles? QueueWaitMs,
    string LatencyFrom)
{
    public static RunResult From(RunSettings settings, LatencyRecorder[] recorders, long measureStart, long measureEnd)
    {
        var latency = new LongHistogram(1, 600_000_000, 3);
        var lag = new LongHistogram(1, 600_000_000, 3);
        var errors = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long ok = 0;
        long lastCompletion = measureEnd;
        foreach (LatencyRecorder recorder in recorders)
        {
            latency.Add(recorder.Latency);
            lag.Add(recorder.SendLag);
            ok += recorder.Ok;
            lastCompletion = Math.Max(lastCompletion, recorder.LastCompletion);
            foreach ((string kind, long count) in recorder.Errors)
            {
                errors[kind] = errors.GetValueOrDefault(kind) + count;
            }
        }

        bool open = settings.Mode == LoopMode.Open;
        // Open loop: the answers to the schedule's requests over the time they took to arrive (lower than the target when
        // the server fell behind). Closed loop: answers within the measured window.
        double seconds = (double)((open ? lastCompletion : measureEnd) - measureStart) / Stopwatch.Frequency;
        return new RunResult(
            settings.Scenario,
            open ? "open" : "closed",
            settings.Label,
            settings.Urls.Length,
            settings.Connections,
            open ? settings.Rate : 0,
            Math.Round(ok / seconds, 1),
            Math.Round(settings.Duration.TotalSeconds, 3),
            ok,
            errors.Values.Sum(),
            errors,
            settings.Scenario is "tokenize" or "mixed" ? settings.IdempotencyShare : 0,
            Percentiles.Of(latency),
            open ? Percentiles.Of(lag) : null,
            open ? "intended send time (coordinated omission corrected)" : "actual send time");
    }

    public string ToJson() => JsonSerializer.Serialize(this, LoadGenJson.Default.RunResult);
}
