using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Strongroom.Core.Telemetry;
using Strongroom.Server.Hosting;

namespace Strongroom.Server.Observability;

/// <summary>
/// What the request metrics know about one endpoint: its dialect label and, for the card operations, the latency histogram it
/// feeds (tokenize, read, forward). Worked out once per endpoint from its metadata (the dialect's error writer, the endpoint
/// name), so the hot path does a dictionary lookup.
/// </summary>
internal sealed class EndpointTelemetry
{
    private static readonly Histogram<double> Tokenize = LatencyBuckets.CreateHistogram("strongroom.tokenize.duration", "Duration of tokenize requests (Guardian PCI and network tokens, session completion, Tap, WhiteBIT card tokens), by dialect and status.");

    private static readonly Histogram<double> Read = LatencyBuckets.CreateHistogram("strongroom.read.duration", "Duration of token reads (Guardian PCI and network tokens, Tap), by dialect and status.");

    private static readonly Histogram<double> Forward = LatencyBuckets.CreateHistogram("strongroom.forward.duration", "Duration of forward requests end to end (the vault's work and the destination's), by dialect and status.");

    private static readonly Dictionary<string, Histogram<double>> ByEndpointName = new(StringComparer.Ordinal)
    {
        ["pci_token_create"] = Tokenize,
        ["network_token_create"] = Tokenize,
        ["session_complete"] = Tokenize,
        ["tap_token_create"] = Tokenize,
        ["issueCardToken"] = Tokenize,
        ["pci_token_get"] = Read,
        ["network_token_get"] = Read,
        ["tap_token_get"] = Read,
        ["pci_token_forward"] = Forward,
        ["network_token_forward"] = Forward,
        ["tap_token_forward"] = Forward,
    };

    private static readonly ConcurrentDictionary<Endpoint, EndpointTelemetry> Known = new();

    /// <summary>Requests that matched no route (or one outside the dialects: health, OpenAPI, metrics) get this.</summary>
    private static readonly EndpointTelemetry Operations = new("none", null);

    private static readonly EndpointTelemetry UnmatchedGuardian = new("guardian", null);
    private static readonly EndpointTelemetry UnmatchedTap = new("tap", null);
    private static readonly EndpointTelemetry UnmatchedWhiteBit = new("whitebit", null);

    private EndpointTelemetry(string dialect, Histogram<double>? duration)
    {
        Dialect = dialect;
        Duration = duration;
    }

    /// <summary>The dialect label: <c>guardian</c>, <c>tap</c>, <c>whitebit</c>, or <c>none</c>.</summary>
    public string Dialect { get; }

    /// <summary>The card operation's latency histogram, or null.</summary>
    public Histogram<double>? Duration { get; }

    /// <summary>The telemetry of <paramref name="endpoint"/>; for a request no route matched, its path's dialect family (as its error shape).</summary>
    public static EndpointTelemetry For(Endpoint? endpoint, PathString path)
    {
        if (endpoint is null)
        {
            return DialectErrors.ByPath(path).Dialect switch
            {
                ErrorDialect.Tap => UnmatchedTap,
                ErrorDialect.WhiteBit => UnmatchedWhiteBit,
                _ => UnmatchedGuardian,
            };
        }

        return Known.GetOrAdd(endpoint, static e =>
        {
            DialectErrorWriter? writer = e.Metadata.GetMetadata<DialectErrorWriter>();
            if (writer is null)
            {
                return Operations;
            }

            string? name = e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName;
            return new EndpointTelemetry(Label(writer.Dialect), name is not null && ByEndpointName.TryGetValue(name, out Histogram<double>? histogram) ? histogram : null);
        });
    }

    private static string Label(ErrorDialect dialect) => dialect switch
    {
        ErrorDialect.Tap => "tap",
        ErrorDialect.WhiteBit => "whitebit",
        _ => "guardian",
    };
}
