using Strongroom.Core.Cards;
using Strongroom.Core.Tenancy;
using Strongroom.Server.Guardian;
using Strongroom.Server.Http;

namespace Strongroom.Server.Tap;

/// <summary>
/// Tap authentication: the tenant's secret key (a Strongroom API key) as <c>Authorization: Bearer …</c>.
/// The same principal model, rights and per-key rate limit as every other dialect; refusals in Tap's shape.
/// </summary>
internal sealed class TapAuthentication(ApiKeyService apiKeys, KeyRateLimiter rateLimiter) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        HttpContext http = context.HttpContext;
        string authorization = http.Request.Headers.Authorization.ToString();
        Principal? principal = authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? await apiKeys.AuthenticateAsync(authorization["Bearer ".Length..].Trim(), http.RequestAborted)
            : null;
        if (principal?.TenantId is null)
        {
            return TapResponses.Unauthorized();
        }

        if (await rateLimiter.TryAcquireAsync("api-key:" + principal.KeyId) is { Acquired: false, RetryAfterSeconds: int retryAfter })
        {
            return TapResponses.TooManyRequests(retryAfter);
        }

        RequiredRights? required = http.GetEndpoint()?.Metadata.GetMetadata<RequiredRights>();
        if (required is not null && !principal.Has(required.Rights))
        {
            return TapResponses.Forbidden();
        }

        Caller.Of(http).Authenticate(principal);
        try
        {
            return await next(context);
        }
        catch (CardNumberInFreeTextException refused)
        {
            // The core's last check (FreeText.Require) caught a field the endpoint did not: still a validation error, not a 500.
            return TapResponses.Error(400, TapErrorCodes.InvalidRequest, $"{refused.Field} must not contain a card number.");
        }
    }
}
