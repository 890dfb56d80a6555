using Microsoft.Extensions.Options;
using Strongroom.Core;
using Strongroom.Adapters.KeyFiles;
using Strongroom.Adapters.Pkcs11;
using Strongroom.Adapters.Redis;
using Strongroom.Storage;

namespace Strongroom.Server.Hosting;

/// <summary>The vault's own services (core, storage, shared state, key provider), without any HTTP: used by <c>serve</c> and the CLI.</summary>
internal static class VaultServices
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
