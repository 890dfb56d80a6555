using Strongroom.Server.Forwarding;

namespace Strongroom.Server.Tap;

/// <summary>The Tap dialect as one module: its bearer-key authentication, single-use tokens and their forward route.</summary>
internal static class TapModule
{
    public static IServiceCollection AddTap(this IServiceCollection services)
    {
        services.AddSingleton<TapAuthentication>();
        return services;
    }

    public static IEndpointRouteBuilder MapTap(this IEndpointRouteBuilder routes)
    {
        routes.MapTapTokens();
        routes.MapTapForwarding();
        return routes;
    }
}
