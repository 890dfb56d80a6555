using Strongroom.Server.Hosting;

namespace Strongroom.Server.WhiteBit;

/// <summary>The WhiteBIT dialect as one module: signed v4 requests (sub-accounts, gateway JWTs) and the fiat gateway's card tokens.</summary>
internal static class WhiteBitModule
{
    public static IServiceCollection AddWhiteBit(this IServiceCollection services)
    {
        services.AddSingleton<WhiteBitAuthentication>();
        services.AddSingleton<NonceWindowCache>();
        return services;
    }

    /// <summary>Maps the dialect's routes in one group that carries its error writer (<see cref="DialectErrorWriter"/>).</summary>
    public static IEndpointRouteBuilder MapWhiteBit(this IEndpointRouteBuilder routes)
    {
        RouteGroupBuilder whiteBit = routes.MapGroup(string.Empty).WithErrorWriter(DialectErrorWriter.WhiteBit);
        whiteBit.MapWhiteBitSubAccounts();
        whiteBit.MapWhiteBitJwt();
        whiteBit.MapWhiteBitCardTokens();
        return routes;
    }
}
