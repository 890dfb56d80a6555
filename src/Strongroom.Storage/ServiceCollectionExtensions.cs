using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Strongroom.Core.Storage;

namespace Strongroom.Storage;

public static class ServiceCollectionExtensions
{
    /// <summary>Registers the <see cref="IVaultStore"/> chosen by <c>Strongroom:Storage:Provider</c>.</summary>
    public static IServiceCollection AddStrongroomStorage(this IServiceCollection services, IConfiguration configuration)
    {
        StorageOptions options = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        services.AddSingleton(options);
        services.TryAddSingleton<IVaultStore>(_ => Create(options));
        AddAggregateStores(services);
        return services;
    }

    /// <summary>
    /// Each aggregate's store interface resolves to the one <see cref="IVaultStore"/>: a service asks only for the stores it
    /// uses, and every store shares the engine's connections (and, on SQLite, its group commit).
    /// </summary>
    public static void AddAggregateStores(IServiceCollection services)
    {
        services.TryAddSingleton<Core.Tenancy.ITenantStore>(sp => sp.GetRequiredService<IVaultStore>());
        services.TryAddSingleton<Core.Tenancy.ICredentialStore>(sp => sp.GetRequiredService<IVaultStore>());
        services.TryAddSingleton<Core.Tenancy.ISettingsStore>(sp => sp.GetRequiredService<IVaultStore>());
        services.TryAddSingleton<Core.Keys.IKeyRotationStore>(sp => sp.GetRequiredService<IVaultStore>());
        services.TryAddSingleton<Core.Forwarding.IForwardingStore>(sp => sp.GetRequiredService<IVaultStore>());
        services.TryAddSingleton<Core.Audit.IAuditStore>(sp => sp.GetRequiredService<IVaultStore>());
        services.TryAddSingleton<Core.Tokens.IPciTokenStore>(sp => sp.GetRequiredService<IVaultStore>());
        services.TryAddSingleton<Core.Tokens.IPciTokenAliasStore>(sp => sp.GetRequiredService<IVaultStore>());
        services.TryAddSingleton<Core.InboundRoutes.IInboundRouteStore>(sp => sp.GetRequiredService<IVaultStore>());
        services.TryAddSingleton<Core.Tokens.ICardTokenStore>(sp => sp.GetRequiredService<IVaultStore>());
        services.TryAddSingleton<Core.Tokens.ISingleUseTokenStore>(sp => sp.GetRequiredService<IVaultStore>());
        services.TryAddSingleton<Core.Sessions.ISessionStore>(sp => sp.GetRequiredService<IVaultStore>());
        services.TryAddSingleton<Core.NetworkTokens.INetworkTokenStore>(sp => sp.GetRequiredService<IVaultStore>());
        services.TryAddSingleton<Core.Bins.IBinStore>(sp => sp.GetRequiredService<IVaultStore>());
        services.TryAddSingleton<Core.Idempotency.IIdempotencyStore>(sp => sp.GetRequiredService<IVaultStore>());
        services.TryAddSingleton<Core.Events.IEventStore>(sp => sp.GetRequiredService<IVaultStore>());
        services.TryAddSingleton<Core.Webhooks.IWebhookStore>(sp => sp.GetRequiredService<IVaultStore>());
    }

    /// <summary>Builds the configured store; throws a clear message for a misconfiguration.</summary>
    public static IVaultStore Create(StorageOptions options) => options.Provider.ToUpperInvariant() switch
    {
        "SQLITE" => new SqliteVaultStore(options.ConnectionString ?? SqliteVaultStore.ConnectionStringFor(SqlitePath(options))),
        "POSTGRES" or "POSTGRESQL" => new PostgresVaultStore(PostgresVaultStore.CreateDataSource(
            options.ConnectionString ?? throw new InvalidOperationException("Strongroom:Storage:ConnectionString is required for the postgres provider."))),
        _ => throw new InvalidOperationException($"Unknown storage provider '{options.Provider}'; use sqlite or postgres."),
    };

    public static string SqlitePath(StorageOptions options)
    {
        Directory.CreateDirectory(options.DataDirectory);
        return Path.Combine(options.DataDirectory, "strongroom.db");
    }
}
