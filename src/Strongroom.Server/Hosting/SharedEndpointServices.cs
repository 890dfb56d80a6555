using Microsoft.Extensions.Options;
using Strongroom.Core;
using Strongroom.Server.Forwarding;
using Strongroom.Server.Http;
using Strongroom.Server.Webhooks;

namespace Strongroom.Server.Hosting;

/// <summary>Services more than one dialect module uses: the request's <see cref="Caller"/> and <see cref="RawBody"/>, the per-key rate limiter, the forward sender, the webhook dispatcher.</summary>
internal static class SharedEndpointServices
{
    public static IServiceCollection AddSharedEndpointServices(this IServiceCollection services)
    {
        services.AddScoped<Caller>();
        services.AddScoped<RawBody>();
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section)
            .Validate(o => o.PermitLimit > 0 && o.Window > TimeSpan.Zero, "Rate limits need a positive permit limit and window.").ValidateOnStart();
        services.AddSingleton(sp => new KeyRateLimiter(sp.GetRequiredService<IOptions<RateLimitOptions>>(), sp.GetService<Strongroom.Adapters.Redis.RedisConnection>()));
        services.AddOptions<ForwardingOptions>().BindConfiguration(ForwardingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ForwardSender>();
        services.AddStrongroomWebhookDispatcher<HttpWebhookTransport>();
        return services;
    }
}
