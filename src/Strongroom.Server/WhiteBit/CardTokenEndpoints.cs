using Strongroom.Server.Hosting.OpenApi;
using System.Text.Json;
using Strongroom.Core.Cards;
using Strongroom.Core.Tenancy;
using Strongroom.Core.Tokens;
using Strongroom.Server.Http;

namespace Strongroom.Server.WhiteBit;

internal sealed record CardTokenResponse(string Token, string MaskedCardNumber, string Scheme, string Fingerprint);

internal sealed record ThrottledResponse(string Message, int Code);

/// <summary>
/// WhiteBIT fiat gateway <c>POST /api/card-token</c>: authenticated by the JWT from <c>POST /api/v4/jwt</c>
/// in <c>Authorization</c> (raw, as WhiteBIT documents, or with a <c>Bearer</c> prefix). Answers exactly as
/// the seed: 201 with the token, 422 <c>code 1</c> for an invalid number, 422 <c>code 0</c> when throttled.
/// </summary>
internal static class CardTokenEndpoints
{
    public const string Path = "/api/card-token";

    public static RouteHandlerBuilder MapWhiteBitCardTokens(this IEndpointRouteBuilder routes) =>
        routes.MapPost(Path, CreateAsync)
            .WithTags("whitebit")
            .WithName("issueCardToken")
            .WithSummary("Issue card token (fiat gateway; Authorization: the JWT from /api/v4/jwt)")
            .DocumentsBody<CardTokenRequest>()
            .Produces<CardTokenResponse>(201)
            .WithMetadata(new ProducesResponseTypeMetadata(401, typeof(WhiteBitError), ["application/json"]))
            .WithMetadata(new ProducesResponseTypeMetadata(422, typeof(WhiteBitError), ["application/json"]));

    private static async Task<JsonResponse> CreateAsync(
        HttpContext http, GatewayTokenService gatewayTokens, SigningKeyService signingKeys, KeyRateLimiter rateLimiter, CardTokenService cardTokens)
    {
        string? authorization = http.Request.Headers.Authorization;
        string? token = authorization?.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) == true ? authorization[7..].Trim() : authorization;
        if (await gatewayTokens.ValidateAsync(token) is not { } claims
            || !await signingKeys.IsEnabledAsync(claims.TenantId, claims.SigningKeyId, http.RequestAborted))
        {
            // A token outlives neither its key's deletion nor its key being disabled.
            return WhiteBitResponses.Unauthorized(WhiteBitResponses.UnauthorizedRequest);
        }

        if (!(await rateLimiter.TryAcquireAsync("card-token:" + claims.SigningKeyId)).Acquired)
        {
            return WhiteBitResponses.Json(422, new ThrottledResponse("Too Many Attempts.", 0), WhiteBitJson.Default.ThrottledResponse);
        }

        byte[]? body = await RequestBody.ReadAsync(http.Request, http.RequestAborted);
        if (body is null)
        {
            return WhiteBitResponses.PayloadTooLarge();
        }

        string? cardNumber = null;
        bool present = false;
        try
        {
            // A body that is not JSON (or not Unicode) is treated like a missing field below.
            using JsonDocument? document = RequestJson.Parse(body, 8, out _);
            if (document?.RootElement.ValueKind == JsonValueKind.Object)
            {
                present = JsonFields.String(document.RootElement, "cardNumber", out cardNumber) != JsonFieldState.Absent;
            }
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(body);
        }

        if (!Pan.TryParse(cardNumber, out Pan? pan, out _))
        {
            string message = present ? "The cardNumber field is invalid." : "The cardNumber field is required.";
            return WhiteBitResponses.Json(422, new WhiteBitError(1, "Validation failed", new Dictionary<string, string[]> { ["cardNumber"] = [message] }), WhiteBitJson.Default.WhiteBitError);
        }

        CardTokenRecord created = await cardTokens.CreateAsync(claims.TenantId, pan!, http.RequestAborted);
        var response = new CardTokenResponse(created.Id.ToString(), created.MaskedCardNumber, created.Scheme.WireName(), System.Buffers.Text.Base64Url.EncodeToString(created.Fingerprint));
        return WhiteBitResponses.Json(201, response, WhiteBitJson.Default.CardTokenResponse);
    }
}
