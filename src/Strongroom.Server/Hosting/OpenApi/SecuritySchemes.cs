using Microsoft.OpenApi;
using Strongroom.Server.Guardian;
using Strongroom.Server.Tap;
using Strongroom.Server.WhiteBit;

namespace Strongroom.Server.Hosting.OpenApi;

/// <summary>
/// The document's security schemes, one per way a dialect authenticates, and which of them each route family accepts:
/// Guardian takes a tenant API key or the admin token (the admin routes only the admin token), Tap a bearer API key,
/// WhiteBIT v4 the three signed X-TXC headers together, the fiat gateway the JWT from <c>/api/v4/jwt</c>; the hosted form
/// is reached through its session id alone.
/// </summary>
internal static class SecuritySchemes
{
    public const string ApiKey = "APIKey";
    public const string AdminToken = "AdminToken";
    public const string TapBearer = "TapBearer";
    public const string WhiteBitApiKey = "WhiteBitApiKey";
    public const string WhiteBitPayload = "WhiteBitPayload";
    public const string WhiteBitSignature = "WhiteBitSignature";
    public const string GatewayJwt = "GatewayJwt";

    public static Dictionary<string, IOpenApiSecurityScheme> All() => new(StringComparer.Ordinal)
    {
        [ApiKey] = Header(GuardianAuthentication.ApiKeyHeader, "A tenant API key (Guardian dialect, webhooks, forwarding)."),
        [AdminToken] = Header(GuardianAuthentication.AdminTokenHeader,
            $"The instance admin token. On tenant routes also send {GuardianAuthentication.TenantHeader} with the tenant's id."),
        [TapBearer] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http, Scheme = "bearer", Description = "Tap dialect: Authorization: Bearer <tenant API key>.",
        },
        [WhiteBitApiKey] = Header(WhiteBitAuthentication.ApiKeyHeader, "WhiteBIT v4: the signing key's public api key."),
        [WhiteBitPayload] = Header(WhiteBitAuthentication.PayloadHeader,
            "WhiteBIT v4: base64 of the exact JSON body (which carries request = the path, nonce and optionally nonceWindow)."),
        [WhiteBitSignature] = Header(WhiteBitAuthentication.SignatureHeader, "WhiteBIT v4: hex HMAC-SHA512 of the payload header, keyed with the api secret."),
        [GatewayJwt] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "JWT",
            Description = "WhiteBIT fiat gateway: the JWT issued by POST /api/v4/jwt, in Authorization (raw or with a Bearer prefix).",
        },
    };

    /// <summary>The security requirements of an operation on <paramref name="path"/> (alternatives; an empty list means none).</summary>
    public static List<OpenApiSecurityRequirement> For(string path, Microsoft.OpenApi.OpenApiDocument document)
    {
        if (path.StartsWith("/sessions/", StringComparison.Ordinal))
        {
            return [];
        }

        if (path.StartsWith(TapTokenEndpoints.Path, StringComparison.Ordinal))
        {
            return [Requirement(document, TapBearer)];
        }

        if (path.StartsWith(CardTokenEndpoints.Path, StringComparison.Ordinal))
        {
            return [Requirement(document, GatewayJwt)];
        }

        if (path.StartsWith("/api/v4/", StringComparison.Ordinal))
        {
            return [Requirement(document, WhiteBitApiKey, WhiteBitPayload, WhiteBitSignature)];
        }

        if (path.StartsWith("/api/admin", StringComparison.Ordinal) || path.StartsWith("/api/audit", StringComparison.Ordinal)
            || path.StartsWith("/api/simulator", StringComparison.Ordinal))
        {
            return [Requirement(document, AdminToken)];
        }

        return [Requirement(document, ApiKey), Requirement(document, AdminToken)];
    }

    private static OpenApiSecurityScheme Header(string name, string description) =>
        new() { Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = name, Description = description };

    private static OpenApiSecurityRequirement Requirement(Microsoft.OpenApi.OpenApiDocument document, params string[] schemes)
    {
        var requirement = new OpenApiSecurityRequirement();
        foreach (string scheme in schemes)
        {
            requirement[new OpenApiSecuritySchemeReference(scheme, document)] = [];
        }

        return requirement;
    }
}
