using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Strongroom.Core.Audit;
using Strongroom.Core.Crypto;
using Strongroom.Core.Keys;
using Strongroom.Core.SecurityCodes;
using Strongroom.Core.Storage;
using Strongroom.Core.Telemetry;
using Strongroom.Core.Webhooks;

namespace Strongroom.Server.Observability;

/// <summary>
/// Metrics and traces with OpenTelemetry: the shared <see cref="VaultMeter"/>, ASP.NET Core, HttpClient, runtime and process
/// instruments, a Prometheus scrape endpoint, and spans over OTLP when <see cref="TracingOptions.OtlpEndpoint"/> is set.
/// </summary>
internal static class ObservabilityServices
{
    /// <summary>Registers the telemetry; call after the vault's services so the store and key provider can be decorated.</summary>
    public static WebApplicationBuilder AddStrongroomObservability(this WebApplicationBuilder builder)
    {
        IServiceCollection services = builder.Services;
        services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<TracingOptions>().BindConfiguration(TracingOptions.Section)
            .Validate(o => o.SampleRatio is >= 0 and <= 1, "Strongroom:Tracing:SampleRatio must be between 0 and 1.")
            .Validate(o => o.OtlpProtocol is "grpc" or "http/protobuf", "Strongroom:Tracing:OtlpProtocol must be grpc or http/protobuf.")
            .ValidateOnStart();
        builder.AddManagementPort();

        services.Decorate<IVaultStore>(InstrumentedVaultStore.Wrap);
        services.Decorate<IKeyProvider>(inner => new InstrumentedKeyProvider(inner));
        services.AddSingleton(sp => new VaultGaugeSampler(
            sp.GetRequiredService<IWebhookStore>(), sp.GetRequiredService<IAuditStore>(), sp.GetRequiredService<IKeyRotationStore>(),
            sp.GetRequiredService<ISecurityCodeStore>(), sp.GetRequiredService<IOptions<MetricsOptions>>().Value.SampleInterval,
            sp.GetRequiredService<ILogger<VaultGaugeSampler>>()));
        services.AddHostedService(sp => sp.GetRequiredService<VaultGaugeSampler>());

        OpenTelemetry.OpenTelemetryBuilder telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("strongroom", serviceVersion: typeof(ObservabilityServices).Assembly.GetName().Version?.ToString()))
            .WithMetrics(metrics => metrics
                .AddMeter(VaultMeter.Name)
                .AddView(PrometheusNames.ForGaugeCounts)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddProcessInstrumentation()
                // No response cache: a scrape right after a change shows it (Prometheus scrapes every 15 s or so; a scrape costs little).
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));

        TracingOptions tracing = builder.Configuration.GetSection(TracingOptions.Section).Get<TracingOptions>() ?? new TracingOptions();
        if (tracing.OtlpEndpoint is Uri endpoint)
        {
            telemetry.WithTracing(traces => traces
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(tracing.SampleRatio)))
                .AddSource(VaultTracing.Name)
                .AddAspNetCoreInstrumentation(o =>
                {
                    o.Filter = context => !context.Request.Path.StartsWithSegments(MetricsOptions.Path, StringComparison.OrdinalIgnoreCase);
                    o.EnrichWithHttpResponse = TraceRedaction.RedactServerSpan;
                    o.RecordException = false;
                })
                .AddHttpClientInstrumentation(o =>
                {
                    o.EnrichWithHttpRequestMessage = TraceRedaction.RedactClientSpan;
                    o.RecordException = false;
                })
                .AddOtlpExporter(o =>
                {
                    o.Endpoint = endpoint;
                    o.Protocol = tracing.OtlpProtocol == "http/protobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
                }));
        }

        return builder;
    }

    /// <summary>The request telemetry (outermost, to see the final status) and the management port's gate.</summary>
    public static WebApplication UseStrongroomObservability(this WebApplication app)
    {
        app.UseMiddleware<RequestTelemetryMiddleware>();
        app.UseManagementPortGate();
        return app;
    }
}
