using Strongroom.Server.Hosting.OpenApi;
using System.Text.Json.Serialization;
using Strongroom.Core.Tenancy;
using Strongroom.Server.Guardian;
using Strongroom.Server.Http;

namespace Strongroom.Server.WhiteBit;

internal sealed record WhiteBitJwt(string Token, [property: JsonPropertyName("expires_at")] long ExpiresAt);

internal sealed record WhiteBitJwtResponse(WhiteBitJwt Data);

/// <summary>
/// WhiteBIT "Issue JWT token" (<c>POST /api/v4/jwt</c>, signed): a short-lived token for the fiat
/// gateway, bound to the calling key's (sub-)account. The fiat-gateway card-token endpoint verifies it.
/// </summary>
internal static class JwtEndpoints
{
    public const string Path = "/api/v4/jwt";

    public static RouteHandlerBuilder MapWhiteBitJwt(this IEndpointRouteBuilder routes) =>
        routes.MapPost(Path, Issue)
            .WithTags("whitebit")
            .AddEndpointFilter<WhiteBitAuthentication>()
            .RequireRights(VaultRights.TokensCreate)
            .WithName("issueJwtToken")
            .WithSummary("Issue JWT token for the fiat gateway (response data.token, data.expires_at)")
            .DocumentsBody<JwtRequest>()
            .Produces<WhiteBitJwtResponse>(200)
            .WithMetadata(new ProducesResponseTypeMetadata(401, typeof(WhiteBitError), ["application/json"]));

    private static JsonResponse Issue(HttpContext http, GatewayTokenService gatewayTokens)
    {
        WhiteBitRequest request = WhiteBitAuthentication.GetRequest(http);
        (string token, DateTimeOffset expiresAt) = gatewayTokens.Issue(request.Tenant.Id, Guid.Parse(request.Principal.KeyId!));
        return WhiteBitResponses.Json(200, new WhiteBitJwtResponse(new WhiteBitJwt(token, expiresAt.ToUnixTimeSeconds())), WhiteBitJson.Default.WhiteBitJwtResponse);
    }
}
