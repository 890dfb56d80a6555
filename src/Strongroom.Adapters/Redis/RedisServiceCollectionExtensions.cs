using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Strongroom.Core.Keys;
using Strongroom.Core.SecurityCodes;
using Strongroom.Core.Tenancy;

namespace Strongroom.Adapters.Redis;

public static class RedisServiceCollectionExtensions
{
    /// <summary>
    /// The shared state of a multi-node deployment (section <c>Strongroom:Redis</c>, see <see cref="RedisOptions"/>). When
    /// <c>Strongroom:Redis:Configuration</c> is set, the ephemeral CVCs and the fiat-gateway JWT signing keys move to Redis,
    /// sealed under <see cref="RedisSharedKey"/>, credential changes are published over Redis pub/sub, and <see cref="RedisConnection"/> is registered for the server's rate-limit
    /// counters and windowed nonces; unset, nothing but the options is registered and the core's in-memory stores stay.
    /// Call it before <c>AddStrongroomCore</c>, whose defaults are registered only where nothing is yet.
    /// </summary>
    public static IServiceCollection AddStrongroomRedis(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.Section);
        if (!string.IsNullOrWhiteSpace(configuration[RedisOptions.Section + ":Configuration"]))
        {
            services.AddSingleton<RedisConnection>();
            services.AddSingleton<RedisSharedKey>();
            services.AddSingleton<IKekWrappedKeyHolder>(sp => sp.GetRequiredService<RedisSharedKey>());
            services.AddSingleton<ISecurityCodeStore, RedisSecurityCodeStore>();
            services.AddSingleton<IGatewaySigningKeySource, RedisGatewaySigningKeys>();
            services.AddSingleton<ICredentialChangePublisher, RedisCredentialChangePublisher>();
            services.AddSingleton<RedisCredentialChangeSubscriber>();
        }

        return services;
    }
}
