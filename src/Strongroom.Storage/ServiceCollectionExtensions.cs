using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
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
        return services;
    }

    /// <summary>Builds the configured store; throws a clear message for a misconfiguration.</summary>
    public static IVaultStore Create(StorageOptions options) => options.Provider.ToUpperInvariant() switch
    {
        "SQLITE" => new SqliteVaultStore(options.ConnectionString ?? SqliteVaultStore.ConnectionStringFor(SqlitePath(options))),
        "POSTGRES" or "POSTGRESQL" => new PostgresVaultStore(NpgsqlDataSource.Create(
            options.ConnectionString ?? throw new InvalidOperationException("Strongroom:Storage:ConnectionString is required for the postgres provider."))),
        _ => throw new InvalidOperationException($"Unknown storage provider '{options.Provider}'; use sqlite or postgres."),
    };

    public static string SqlitePath(StorageOptions options)
    {
        Directory.CreateDirectory(options.DataDirectory);
        return Path.Combine(options.DataDirectory, "strongroom.db");
    }
}
