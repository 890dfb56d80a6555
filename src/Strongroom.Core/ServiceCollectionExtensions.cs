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
    /// <see cref="IKeyProvider"/> (see <see cref="AddStrongroomLocalKeyFile"/>).
    /// </summary>
    public static IServiceCollection AddStrongroomCore(this IServiceCollection services)
    {
        services.AddOptions<VaultOptions>().BindConfiguration(VaultOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TenantKeyring>();
        services.TryAddSingleton<ISecurityCodeStore, InMemorySecurityCodeStore>();
        services.TryAddSingleton<TenantService>();
        services.TryAddSingleton<ApiKeyService>();
        services.TryAddSingleton<SigningKeyService>();
        services.AddOptions<GatewayTokenOptions>().BindConfiguration(GatewayTokenOptions.Section)
            .Validate(o => o.TokenLifetime > TimeSpan.Zero && o.KeyRotation > TimeSpan.Zero, "JWT lifetimes must be positive.").ValidateOnStart();
        services.TryAddSingleton<GatewayTokenService>();
        services.TryAddSingleton<AdminTokenService>();
        services.TryAddSingleton<PciTokenService>();
        services.TryAddSingleton<CardTokenService>();
        services.TryAddSingleton<SingleUseTokenService>();
        services.TryAddSingleton<Bins.BinService>();
        services.TryAddSingleton<Audit.AuditLog>();
        services.TryAddSingleton<Keys.KeyRotationService>();
        services.TryAddSingleton<Bins.CardMetadataService>();
        services.TryAddSingleton<Sessions.SessionService>();
        services.TryAddSingleton<NetworkTokens.ITokenServiceProvider, NetworkTokens.SimulatedTokenServiceProvider>();
        services.TryAddSingleton<NetworkTokens.NetworkTokenService>();
        services.TryAddSingleton<IdempotencyService>();
        services.TryAddSingleton<VaultSweeper>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<VaultSweeper>());
        return services;
    }

    /// <summary>The development key provider: KEKs in a 0600 key file (section <c>Strongroom:KeyFile</c>).</summary>
    public static IServiceCollection AddStrongroomLocalKeyFile(this IServiceCollection services)
    {
        services.AddOptions<LocalKeyFileOptions>().BindConfiguration("Strongroom:KeyFile");
        services.TryAddSingleton<IKeyProvider, LocalFileKeyProvider>();
        return services;
    }
}
