using Strongroom.Adapters.Redis;

namespace Strongroom.Server.InboundProxy;

/// <summary>The inbound proxy's services: the node's route table (reloaded in the background) and the per-route limiters.</summary>
internal static class InboundProxyModule
{
    public static IServiceCollection AddInboundProxy(this IServiceCollection services)
    {
        services.AddOptions<InboundProxyOptions>().BindConfiguration(InboundProxyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<InboundRouteTable>();
        services.AddHostedService(sp => sp.GetRequiredService<InboundRouteTable>());
        services.AddSingleton(sp => new InboundRateLimiters(sp.GetService<RedisConnection>()));
        return services;
    }
}
