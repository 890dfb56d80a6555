using System.Diagnostics;
using System.Diagnostics.Metrics;
using Strongroom.Core.Forwarding;
using Strongroom.Core.Telemetry;
using Strongroom.Server.Forwarding;

namespace Strongroom.Server.Observability;

/// <summary>
/// Forwards to a destination, by destination host and outcome, and their span. The host comes from the tenant's allowlist
/// entry (an operator-chosen name with a bounded count), never from the request; no path, query, header or body is recorded.
/// </summary>
internal static class ForwardTelemetry
{
    private static readonly Counter<long> Forwards = VaultMeter.Meter.CreateCounter<long>(
        "strongroom.forwards", "{request}", "Requests forwarded to a destination, by destination host and outcome (the destination's status class, or why it got none).");

    private static readonly Histogram<double> Duration = LatencyBuckets.CreateHistogram("strongroom.forward.destination.duration", "Time the destination took to answer a forwarded request, by destination host and outcome.");

    public static Activity? Start(ForwardDestination destination)
    {
        Activity? span = VaultTracing.Source.StartActivity("forward.send", ActivityKind.Internal);
        span?.SetTag("server.address", destination.Host);
        span?.SetTag("server.port", destination.Port);
        return span;
    }

    public static void Record(ForwardDestination destination, ForwardResponse response, Activity? span)
    {
        string outcome = Outcome(response);
        TagList tags = Tags(destination, outcome);
        Forwards.Add(1, tags);
        Duration.Record(response.Duration.TotalSeconds, tags);
        span?.SetTag("strongroom.forward.outcome", outcome);
        if (response.Failure != ForwardFailure.None)
        {
            span?.SetStatus(ActivityStatusCode.Error);
        }
    }

    public static void Failed(ForwardDestination destination, Exception error, Activity? span)
    {
        string outcome = error is OperationCanceledException ? "canceled" : "error";
        Forwards.Add(1, Tags(destination, outcome));
        span?.SetTag("strongroom.forward.outcome", outcome);
        span?.SetStatus(ActivityStatusCode.Error);
        span?.SetTag("error.type", error.GetType().FullName);
    }

    private static TagList Tags(ForwardDestination destination, string outcome) => new()
    {
        { "destination_host", destination.Host },
        { "outcome", outcome },
    };

    private static string Outcome(ForwardResponse response) => response.Failure switch
    {
        ForwardFailure.None => response.Status switch
        {
            < 200 => "1xx",
            < 300 => "2xx",
            < 400 => "3xx",
            < 500 => "4xx",
            _ => "5xx",
        },
        ForwardFailure.Blocked => "blocked",
        ForwardFailure.Timeout => "timeout",
        ForwardFailure.Unreachable => "unreachable",
        ForwardFailure.TooLarge => "too_large",
        ForwardFailure.Unreadable => "unreadable",
        _ => "error",
    };
}
