using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Strongroom.Core.Crypto;

namespace Strongroom.Adapters.Pkcs11;

public static class Pkcs11ServiceCollectionExtensions
{
    /// <summary>
    /// The production key provider: the KEKs and the audit-seal key live in an HSM and are used through its PKCS#11 module
    /// (section <c>Strongroom:Pkcs11</c>, see <see cref="Pkcs11KeyProviderOptions"/>). Registers <see cref="Pkcs11KeyProvider"/>
    /// as the one <see cref="IKeyProvider"/>, replacing the key file if
    /// <see cref="KeyFiles.KeyFileServiceCollectionExtensions.AddStrongroomKeyFile"/> ran before.
    /// </summary>
    /// <remarks>
    /// The host chooses the provider with <c>Strongroom:KeyProvider</c>: <c>local-file</c> (the default) calls
    /// <see cref="KeyFiles.KeyFileServiceCollectionExtensions.AddStrongroomKeyFile"/>, <c>pkcs11</c> calls this method. For example:
    /// <code>
    /// "Strongroom": {
    ///   "KeyProvider": "pkcs11",
    ///   "Pkcs11": { "LibraryPath": "/usr/lib/softhsm/libsofthsm2.so", "TokenLabel": "strongroom" }
    /// }
    /// </code>
    /// with the PIN from a secret store, e.g. the environment variable <c>Strongroom__Pkcs11__UserPin</c>.
    /// Every server node and the CLI point at the same token and labels; the token is the only state they share.
    /// </remarks>
    public static IServiceCollection AddStrongroomPkcs11(this IServiceCollection services)
    {
        services.AddOptions<Pkcs11KeyProviderOptions>().BindConfiguration(Pkcs11KeyProviderOptions.Section);
        services.TryAddSingleton<Pkcs11KeyProvider>();
        services.RemoveAll<IKeyProvider>();
        services.AddSingleton<IKeyProvider>(sp => sp.GetRequiredService<Pkcs11KeyProvider>());
        return services;
    }
}
