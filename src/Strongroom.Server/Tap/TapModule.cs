using Strongroom.Server.Forwarding;
using Strongroom.Server.Hosting;

namespace Strongroom.Server.Tap;

/// <summary>The Tap dialect as one module: its bearer-key authentication, single-use tokens and their forward route.</summary>
internal static class TapModule
{
    public static IServiceCollection AddTap(this IServiceCollection services)
    {
        services.AddSingleton<TapAuthentication>();
        return services;
    }

    /// <summary>Maps the dialect's routes in one group that carries its error writer (<see cref="DialectErrorWriter"/>).</summary>
    public static IEndpointRouteBuilder MapTap(this IEndpointRouteBuilder routes)
    {
        RouteGroupBuilder tap = routes.MapGroup(string.Empty).WithErrorWriter(DialectErrorWriter.Tap);
        tap.MapTapTokens();
        tap.MapTapForwarding();
        return routes;
    }
}
