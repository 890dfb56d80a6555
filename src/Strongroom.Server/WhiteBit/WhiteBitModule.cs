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

    public static IEndpointRouteBuilder MapWhiteBit(this IEndpointRouteBuilder routes)
    {
        routes.MapWhiteBitSubAccounts();
        routes.MapWhiteBitJwt();
        routes.MapWhiteBitCardTokens();
        return routes;
    }
}
