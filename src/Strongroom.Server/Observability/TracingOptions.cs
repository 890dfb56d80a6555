namespace Strongroom.Server.Observability;

/// <summary>Traces over OTLP (section <c>Strongroom:Tracing</c>); nothing is traced unless <see cref="OtlpEndpoint"/> is set.</summary>
public sealed class TracingOptions
{
    public const string Section = "Strongroom:Tracing";

    /// <summary>The collector, e.g. <c>http://otel-collector:4317</c> (gRPC) or <c>http://otel-collector:4318/v1/traces</c> with <see cref="OtlpProtocol"/> <c>http/protobuf</c>.</summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary><c>grpc</c> (default) or <c>http/protobuf</c>.</summary>
    public string OtlpProtocol { get; set; } = "grpc";

    /// <summary>The share of new traces recorded (parent-based: a sampled caller's trace is always continued).</summary>
    public double SampleRatio { get; set; } = 1.0;
}
