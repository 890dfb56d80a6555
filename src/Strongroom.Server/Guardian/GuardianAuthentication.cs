using Strongroom.Core.Cards;
using Strongroom.Core.Tenancy;
using Strongroom.Server.Http;

namespace Strongroom.Server.Guardian;

/// <summary>Endpoint metadata: the rights a Guardian endpoint requires.</summary>
internal sealed record RequiredRights(VaultRights Rights);

/// <summary>Marks an admin-only route that still acts on one tenant (named by <c>x-tenant-id</c>), such as the simulator's.</summary>
internal sealed record RequiresTenant;

/// <summary>
/// Guardian authentication: <c>x-api-key</c> (a tenant's key) or <c>x-admin-token</c> (the instance
/// admin, who names the tenant to act on in <c>x-tenant-id</c>). Resolves a <see cref="Principal"/>
/// once per request; unknown, expired, revoked and malformed credentials all look the same (401).
/// </summary>
internal sealed class GuardianAuthentication(ApiKeyService apiKeys, AdminTokenService adminToken, TenantService tenants, KeyRateLimiter rateLimiter) : IEndpointFilter
{
    public const string ApiKeyHeader = "x-api-key";
    public const string AdminTokenHeader = "x-admin-token";
    public const string TenantHeader = "x-tenant-id";

    /// <summary>The request's principal (handlers take a <see cref="Caller"/> parameter instead).</summary>
    public static Principal GetPrincipal(HttpContext context) => Caller.Of(context).Principal;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        HttpContext http = context.HttpContext;
        CancellationToken cancellationToken = http.RequestAborted;
        Principal? principal = null;

        if (http.Request.Headers.TryGetValue(ApiKeyHeader, out var apiKey))
        {
            principal = await apiKeys.AuthenticateAsync(apiKey.ToString(), cancellationToken);
        }
        else if (http.Request.Headers.TryGetValue(AdminTokenHeader, out var token) && adminToken.Verify(token.ToString()))
        {
            principal = Principal.Admin(null);
        }

        if (principal is null)
        {
            return GuardianResponses.Unauthorized();
        }

        if (await rateLimiter.TryAcquireAsync(principal.KeyId is { } keyId ? "api-key:" + keyId : "admin") is { Acquired: false, RetryAfterSeconds: int retryAfter })
        {
            return GuardianResponses.TooManyRequests(retryAfter);
        }

        RequiredRights? required = http.GetEndpoint()?.Metadata.GetMetadata<RequiredRights>();
        if (required is not null && !principal.Has(required.Rights))
        {
            return GuardianResponses.Forbidden();
        }

        bool tenantScoped = required is not null && ((required.Rights & VaultRights.Admin) == 0 || http.GetEndpoint()?.Metadata.GetMetadata<RequiresTenant>() is not null);
        if (principal.Kind == PrincipalKind.Admin && tenantScoped)
        {
            // The admin acts on one tenant per request, named explicitly.
            if (!Guid.TryParse(http.Request.Headers[TenantHeader].ToString(), out Guid tenantId))
            {
                return GuardianResponses.Validation("$.headers['x-tenant-id']", "The admin token acts on a tenant named by the x-tenant-id header (a UUID).");
            }

            if (await tenants.GetAsync(tenantId, cancellationToken) is null)
            {
                return GuardianResponses.NotFound();
            }

            principal = Principal.Admin(tenantId);
        }

        Caller.Of(http).Authenticate(principal);
        try
        {
            return await next(context);
        }
        catch (CardNumberInFreeTextException refused)
        {
            // The core's last check (FreeText.Require) caught a field the endpoint did not: still a validation error, not a 500.
            return GuardianResponses.Validation(refused.IsHeader ? $"$.headers['{refused.Field}']" : $"$.{refused.Field}", FreeText.CardNumberMessage);
        }
    }
}

internal static class GuardianAuthenticationExtensions
{
    public static TBuilder RequireRights<TBuilder>(this TBuilder builder, VaultRights rights)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredRights(rights));

    /// <summary>An admin-only route that acts on the tenant named by <c>x-tenant-id</c>.</summary>
    public static TBuilder RequireTenant<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiresTenant());
}
