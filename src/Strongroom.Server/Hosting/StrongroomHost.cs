using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Scalar.AspNetCore;
using Strongroom.Adapters.KeyFiles;
using Strongroom.Adapters.Pkcs11;
using Strongroom.Adapters.Redis;
using Strongroom.Core;
using Strongroom.Core.Crypto;
using Strongroom.Server.Admin;
using Strongroom.Server.Bench;
using Strongroom.Server.Forwarding;
using Strongroom.Server.Guardian;
using Strongroom.Server.HostedForm;
using Strongroom.Server.Http;
using Strongroom.Server.Logging;
using Strongroom.Server.Tap;
using Strongroom.Server.WhiteBit;
using Strongroom.Server.Webhooks;
using Strongroom.Storage;

namespace Strongroom.Server.Hosting;

/// <summary>Composition of the vault server: services, pipeline and endpoints, shared by <c>serve</c> and the tests.</summary>
internal static class StrongroomHost
{
    /// <summary>The services every entry point (server and CLI) needs: core, storage, key provider.</summary>
    public static IServiceCollection AddStrongroomVault(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddStrongroomStorage(configuration);

        // Strongroom:Redis:Configuration moves the per-node state (ephemeral CVCs, JWT signing keys, rate-limit counters,
        // windowed nonces) to a shared Redis; registered before the core so they replace its in-memory defaults.
        services.AddStrongroomRedis(configuration);

        services.AddStrongroomCore();

        // Strongroom:KeyProvider picks where the KEKs live: the development key file (default) or an HSM over PKCS#11.
        string provider = configuration["Strongroom:KeyProvider"] ?? LocalFileKeyProvider.ProviderName;
        switch (provider)
        {
            case LocalFileKeyProvider.ProviderName:
                services.AddStrongroomKeyFile();
                services.AddSingleton<IPostConfigureOptions<LocalKeyFileOptions>, DefaultKeyFilePath>();
                break;
            case Pkcs11KeyProvider.ProviderName:
                services.AddStrongroomPkcs11();
                break;
            default:
                throw new InvalidOperationException($"Unknown Strongroom:KeyProvider '{provider}' (expected local-file or pkcs11).");
        }

        return services;
    }

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
        builder.Logging.AddConsole(options => options.FormatterName = RedactingJsonConsoleFormatter.Name);
        builder.Logging.AddConsoleFormatter<RedactingJsonConsoleFormatter, ConsoleFormatterOptions>();

        // The initializer must run before the sweeper and before traffic: register it first.
        builder.Services.AddSingleton<StartupWarmup>();
        builder.Services.AddSingleton<VaultInitializer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<VaultInitializer>());
        builder.Services.AddStrongroomVault(builder.Configuration);
        builder.Services.AddSingleton<GuardianAuthentication>();
        builder.Services.AddSingleton<GuardianIdempotency>();
        builder.Services.AddSingleton<WhiteBitAuthentication>();
        builder.Services.AddSingleton<Tap.TapAuthentication>();
        builder.Services.AddSingleton<NonceWindowCache>();
        builder.Services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section)
            .Validate(o => o.PermitLimit > 0 && o.Window > TimeSpan.Zero, "Rate limits need a positive permit limit and window.").ValidateOnStart();
        builder.Services.AddSingleton(sp => new KeyRateLimiter(sp.GetRequiredService<IOptions<RateLimitOptions>>(), sp.GetService<RedisConnection>()));
        builder.Services.AddOptions<HostedFormOptions>().BindConfiguration(HostedFormOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<HostedFormRateLimiter>();
        builder.Services.AddOptions<Forwarding.ForwardingOptions>().BindConfiguration(Forwarding.ForwardingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<Forwarding.ForwardSender>();
        builder.Services.AddStrongroomWebhookDispatcher<Webhooks.HttpWebhookTransport>();
        builder.Services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Strongroom";
            document.Info.Description = "Self-hosted card tokenization vault. Guardian dialect: authenticate with x-api-key (tenant key) or x-admin-token (+ x-tenant-id).";
            document.Components ??= new Microsoft.OpenApi.OpenApiComponents();
            document.Components.SecuritySchemes = new Dictionary<string, Microsoft.OpenApi.IOpenApiSecurityScheme>
            {
                ["APIKey"] = new Microsoft.OpenApi.OpenApiSecurityScheme { Type = Microsoft.OpenApi.SecuritySchemeType.ApiKey, Name = GuardianAuthentication.ApiKeyHeader, In = Microsoft.OpenApi.ParameterLocation.Header },
                ["AdminToken"] = new Microsoft.OpenApi.OpenApiSecurityScheme { Type = Microsoft.OpenApi.SecuritySchemeType.ApiKey, Name = GuardianAuthentication.AdminTokenHeader, In = Microsoft.OpenApi.ParameterLocation.Header },
            };
            return Task.CompletedTask;
        }));

        WebApplication app = builder.Build();

        // Behind a load balancer: the client address from X-Forwarded-For, trusted only from the configured proxies.
        ProxyOptions proxy = app.Configuration.GetSection(ProxyOptions.Section).Get<ProxyOptions>() ?? new ProxyOptions();
        if (proxy.Enabled)
        {
            app.UseForwardedHeaders(proxy.ToForwardedHeadersOptions());
        }

        app.UseExceptionHandler(errors => errors.Run(WriteInternalErrorAsync));
        app.UseStatusCodePages(WriteBareStatusAsync);

        app.MapHealth();
        app.MapOpenApi();
        app.MapScalarApiReference(options => options.WithTitle("Strongroom API"));
        app.MapGuardianPciTokens();
        app.MapGuardianNetworkTokens();
        app.MapGuardianSessions();
        app.MapHostedForm();
        app.MapAdmin();
        app.MapAudit();
        app.MapKeyAdmin();
        app.MapForwardDestinationAdmin();
        app.MapCardRulesAdmin();
        app.MapWhiteBitSubAccounts();
        app.MapWhiteBitJwt();
        app.MapWhiteBitCardTokens();
        app.MapTapTokens();
        app.MapForwarding();
        app.MapGuardianMetadata();
        app.MapWebhooks();
        app.MapBenchBaseline();
        return app;
    }

    /// <summary>
    /// Unhandled exceptions become the dialect's error shape without details (those go to the redacted log). A request Kestrel
    /// rejects while the body is read (a chunked body over the size limit, a malformed chunk, a body arriving too slowly) is its own
    /// 4xx, not a 500. A dependency that is down (the database, or the shared Redis) is a 503 with Retry-After rather than a 500:
    /// the request failed cleanly, nothing was acknowledged, and the same node serves again once the dependency is back.
    /// </summary>
    private static async Task WriteInternalErrorAsync(HttpContext context)
    {
        Exception? error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        if (RejectedRequestStatus(error) is int status)
        {
            await DialectErrors.For(context.Request.Path, status).ExecuteAsync(context);
            return;
        }

        if (IsDependencyUnavailable(error))
        {
            JsonResponse unavailable = DialectErrors.For(context.Request.Path, 503);
            await new JsonResponse(unavailable.Status, unavailable.Body) { RetryAfterSeconds = 1 }.ExecuteAsync(context);
            return;
        }

        await DialectErrors.For(context.Request.Path, 500).ExecuteAsync(context);
    }

    /// <summary>The 4xx status of a request the server refused (<see cref="BadHttpRequestException"/>), wherever it was wrapped.</summary>
    internal static int? RejectedRequestStatus(Exception? error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is BadHttpRequestException { StatusCode: >= 400 and < 500 } rejected)
            {
                return rejected.StatusCode;
            }
        }

        return null;
    }

    /// <summary>A transient failure of a dependency: a database error the provider marks transient (connection refused or lost,
    /// server shutting down, SQLite busy), a database timeout, or the shared Redis not answering.</summary>
    internal static bool IsDependencyUnavailable(Exception? error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            // A key version that is still missing after the keyring re-read the store (logged there) fails the request cleanly too.
            if (e is SharedStateUnavailableException or TimeoutException or KeyVersionUnavailableException
                || e is System.Data.Common.DbException { IsTransient: true })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Framework-produced empty error responses (unknown route, wrong method or content type, a rejected request) get the dialect's error shape too.</summary>
    private static Task WriteBareStatusAsync(StatusCodeContext context) =>
        DialectErrors.For(context.HttpContext.Request.Path, context.HttpContext.Response.StatusCode).ExecuteAsync(context.HttpContext);

    /// <summary>Puts the development key file next to the data unless a path is configured.</summary>
    private sealed class DefaultKeyFilePath(StorageOptions storage) : IPostConfigureOptions<LocalKeyFileOptions>
    {
        public void PostConfigure(string? name, LocalKeyFileOptions options)
        {
            if (string.IsNullOrWhiteSpace(options.Path))
            {
                options.Path = System.IO.Path.Combine(storage.DataDirectory, "keys", "kek.json");
            }
        }
    }
}
