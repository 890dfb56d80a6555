using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Strongroom.Core.Crypto;

namespace Strongroom.Adapters.KeyFiles;

public static class KeyFileServiceCollectionExtensions
{
    /// <summary>The development key provider: KEKs in a 0600 key file (section <c>Strongroom:KeyFile</c>).</summary>
    public static IServiceCollection AddStrongroomKeyFile(this IServiceCollection services)
    {
        services.AddOptions<LocalKeyFileOptions>().BindConfiguration(LocalKeyFileOptions.Section);
        services.TryAddSingleton<IKeyProvider, LocalFileKeyProvider>();
        return services;
    }
}
