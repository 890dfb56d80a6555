using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Strongroom.Core.Crypto;
using Strongroom.Core.Idempotency;
using Strongroom.Core.Operations;
using Strongroom.Core.SecurityCodes;
using Strongroom.Core.Tenancy;
using Strongroom.Core.Tokens;

namespace Strongroom.Core;

public static class ServiceCollectionExtensions
{
    /// <summary>
    /// The vault core services. The caller registers an <see cref="Storage.IVaultStore"/> and an
    /// <see cref="IKeyProvider"/> (the Strongroom.Adapters project has the key file and the PKCS#11 provider).
    /// </summary>
    public static IServiceCollection AddStrongroomCore(this IServiceCollection services)
    {
        services.AddOptions<VaultOptions>().BindConfiguration(VaultOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TenantKeyring>();
        services.TryAddSingleton<ISecurityCodeStore, InMemorySecurityCodeStore>();
        services.TryAddSingleton<ICredentialChangePublisher, StoreOnlyCredentialChangePublisher>();
        services.TryAddSingleton<CredentialCache>();
        services.TryAddSingleton<TenantService>();
        services.TryAddSingleton<ApiKeyService>();
        services.TryAddSingleton<SigningKeyService>();
        services.AddOptions<GatewayTokenOptions>().BindConfiguration(GatewayTokenOptions.Section)
            .Validate(o => o.TokenLifetime > TimeSpan.Zero && o.KeyRotation > TimeSpan.Zero, "JWT lifetimes must be positive.").ValidateOnStart();
        services.TryAddSingleton<GatewayTokenService>();
        services.TryAddSingleton<AdminTokenService>();
        services.TryAddSingleton<PciTokenService>();
        services.TryAddSingleton<PciTokenAliasService>();
        services.TryAddSingleton<InboundRoutes.InboundRouteService>();
        services.TryAddSingleton<CardTokenService>();
        services.TryAddSingleton<SingleUseTokenService>();
        services.TryAddSingleton<Bins.BinService>();
        services.TryAddSingleton<Audit.AuditLog>();
        services.TryAddSingleton<Keys.KeyRotationService>();
        services.TryAddSingleton<Forwarding.ForwardingService>();
        services.TryAddSingleton<Bins.CardMetadataService>();
        services.TryAddSingleton<Cards.CardRulesService>();
        services.TryAddSingleton<Sessions.SessionService>();
        services.TryAddSingleton<NetworkTokens.ITokenServiceProvider, NetworkTokens.SimulatedTokenServiceProvider>();
        services.TryAddSingleton<NetworkTokens.NetworkTokenService>();
        services.TryAddSingleton<IdempotencyService>();
        services.AddOptions<Webhooks.WebhookOptions>().BindConfiguration(Webhooks.WebhookOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.ClaimLease > o.Timeout, "Webhooks: ClaimLease must exceed Timeout, or a slow delivery could be claimed twice.").ValidateOnStart();
        services.TryAddSingleton<Webhooks.WebhookService>();
        services.TryAddSingleton<VaultSweeper>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<VaultSweeper>());
        return services;
    }

    /// <summary>
    /// The webhook dispatcher as a hosted service, sending through <typeparamref name="TTransport"/> (the server's HTTP
    /// transport). Every node may run one; see <see cref="Webhooks.WebhookOptions.DispatcherEnabled"/>.
    /// </summary>
    public static IServiceCollection AddStrongroomWebhookDispatcher<TTransport>(this IServiceCollection services)
        where TTransport : class, Webhooks.IWebhookTransport
    {
        services.TryAddSingleton<Webhooks.IWebhookTransport, TTransport>();
        services.TryAddSingleton<Webhooks.WebhookDispatcher>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<Webhooks.WebhookDispatcher>());
        return services;
    }
}
