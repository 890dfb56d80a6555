using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Strongroom.Client.Guardian;
using Strongroom.Client.Tap;
using Strongroom.Client.Webhooks;
using Strongroom.Client.WhiteBit;

namespace Strongroom.Client;

/// <summary>
/// Registers the dialect clients as typed clients of <c>IHttpClientFactory</c>. Each returns the
/// <see cref="IHttpClientBuilder"/>, so the usual handlers (resilience, logging, a primary handler) can be added.
/// </summary>
public static class StrongroomClientServiceCollectionExtensions
{
    /// <summary>Registers <see cref="GuardianClient"/> (base address and <c>x-api-key</c> from the options).</summary>
    public static IHttpClientBuilder AddStrongroomGuardianClient(this IServiceCollection services, Action<GuardianClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<GuardianClientOptions>().Configure(configure)
            .Validate(o => o.BaseAddress is { IsAbsoluteUri: true } && !string.IsNullOrEmpty(o.ApiKey), "GuardianClientOptions needs an absolute BaseAddress and an ApiKey.")
            .ValidateOnStart();
        return services.AddHttpClient<GuardianClient>((provider, http) => provider.GetRequiredService<IOptions<GuardianClientOptions>>().Value.ApplyTo(http));
    }

    /// <summary>Registers <see cref="TapClient"/> (base address and the bearer secret key from the options).</summary>
    public static IHttpClientBuilder AddStrongroomTapClient(this IServiceCollection services, Action<TapClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<TapClientOptions>().Configure(configure)
            .Validate(o => o.BaseAddress is { IsAbsoluteUri: true } && !string.IsNullOrEmpty(o.SecretKey), "TapClientOptions needs an absolute BaseAddress and a SecretKey.")
            .ValidateOnStart();
        return services.AddHttpClient<TapClient>((provider, http) => provider.GetRequiredService<IOptions<TapClientOptions>>().Value.ApplyTo(http));
    }

    /// <summary>
    /// Registers <see cref="WhiteBitClient"/> behind a <see cref="WhiteBitSigningHandler"/>, one <see cref="WhiteBitNonceSource"/>
    /// for the key (a singleton, so nonces keep increasing across the factory's handler rotations), and the
    /// <see cref="FiatGatewayClient"/> with its <see cref="GatewayJwtCache"/>. Returns the signed client's builder.
    /// </summary>
    public static IHttpClientBuilder AddStrongroomWhiteBitClient(this IServiceCollection services, Action<WhiteBitClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<WhiteBitClientOptions>().Configure(configure)
            .Validate(o => o.BaseAddress is { IsAbsoluteUri: true } && !string.IsNullOrEmpty(o.ApiKey) && !string.IsNullOrEmpty(o.ApiSecret),
                "WhiteBitClientOptions needs an absolute BaseAddress, an ApiKey and an ApiSecret.")
            .ValidateOnStart();
        services.TryAddSingleton(provider => new WhiteBitNonceSource(provider.GetService<TimeProvider>()));
        services.TryAddSingleton(provider => new GatewayJwtCache(provider.GetService<TimeProvider>()));
        services.TryAddTransient(provider => new WhiteBitSigningHandler(provider.GetRequiredService<IOptions<WhiteBitClientOptions>>().Value, provider.GetRequiredService<WhiteBitNonceSource>()));

        services.AddHttpClient<FiatGatewayClient>((provider, http) => http.BaseAddress = provider.GetRequiredService<IOptions<WhiteBitClientOptions>>().Value.BaseAddress);
        return services.AddHttpClient<WhiteBitClient>((provider, http) => http.BaseAddress = provider.GetRequiredService<IOptions<WhiteBitClientOptions>>().Value.BaseAddress)
            .AddHttpMessageHandler<WhiteBitSigningHandler>();
    }

    /// <summary>Registers a singleton <see cref="WebhookSignatureVerifier"/> over the configured secrets (and the registered <see cref="TimeProvider"/>, if any).</summary>
    public static IServiceCollection AddStrongroomWebhookVerifier(this IServiceCollection services, Action<WebhookVerifierOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<WebhookVerifierOptions>().Configure(configure)
            .Validate(o => o.Secrets.Any(s => !string.IsNullOrEmpty(s)) && o.Tolerance >= TimeSpan.Zero, "WebhookVerifierOptions needs at least one secret and a tolerance of zero or more.")
            .ValidateOnStart();
        services.TryAddSingleton(provider =>
        {
            WebhookVerifierOptions options = provider.GetRequiredService<IOptions<WebhookVerifierOptions>>().Value;
            return new WebhookSignatureVerifier(options.Secrets, options.Tolerance, provider.GetService<TimeProvider>());
        });
        return services;
    }
}
