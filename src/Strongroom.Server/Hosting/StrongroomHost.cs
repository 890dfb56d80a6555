using Scalar.AspNetCore;
using Strongroom.Server.Bench;
using Strongroom.Server.Guardian;
using Strongroom.Server.Http;
using Strongroom.Server.Logging;
using Strongroom.Server.Observability;
using Strongroom.Server.Tap;
using Strongroom.Server.WhiteBit;

namespace Strongroom.Server.Hosting;

/// <summary>Composition of the vault server: the vault, one module per dialect, and the pipeline; shared by <c>serve</c> and the tests.</summary>
internal static class StrongroomHost
{
    public static WebApplication Build(string[] args)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(args);

        ShippedDefaults.Add(builder.Configuration);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 1024 * 1024;
            kestrel.ConfigureEndpointDefaults(listen => listen.UseRejectionBodies());
        });

        builder.Logging.ClearProviders();
        builder.Logging.AddStrongroomConsole(builder.Configuration, logToStandardError: false);

        // The initializer must run before the sweeper and before traffic: register it first.
        builder.Services.AddSingleton<StartupWarmup>();
        builder.Services.AddSingleton<VaultInitializer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<VaultInitializer>());
        builder.Services.AddHostedService<AdminTokenRefresher>();
        builder.Services.AddStrongroomVault(builder.Configuration);
        builder.Services.AddHostedService<CredentialChangeListener>();
        builder.Services.AddSharedEndpointServices();
        builder.Services.AddGuardian();
        builder.Services.AddTap();
        builder.Services.AddWhiteBit();
        builder.Services.AddStrongroomOpenApi();
        builder.AddStrongroomObservability();

        WebApplication app = builder.Build();

        // Behind a load balancer: the client address from X-Forwarded-For, trusted only from the configured proxies.
        ProxyOptions proxy = app.Configuration.GetSection(ProxyOptions.Section).Get<ProxyOptions>() ?? new ProxyOptions();
        if (proxy.Enabled)
        {
            app.UseForwardedHeaders(proxy.ToForwardedHeadersOptions());
        }

        app.UseStrongroomObservability();
        app.UseDialectErrors();

        app.MapHealth();
        app.MapStrongroomMetrics();
        app.MapOpenApi();
        app.MapScalarApiReference(options => options.WithTitle("Strongroom API"));
        app.MapGuardian();
        app.MapTap();
        app.MapWhiteBit();
        app.MapBenchBaseline();
        return app;
    }
}
