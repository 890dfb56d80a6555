using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Strongroom.Core.Cards;
using Strongroom.Core.Sessions;
using Strongroom.Server.Guardian;
using Strongroom.Server.Http;

namespace Strongroom.Server.HostedForm;

/// <summary>
/// The cardholder's side of a session (PCI DSS SAQ-A): the hosted card form and the completion endpoint
/// it posts to, which a merchant's own page may also call (CORS for the tenant's allowed origins).
/// No credential: the unguessable session id is the capability, bounded by the session's TTL, its
/// single completion, its failed-attempt limit and a per-client-IP rate limit. Errors use Guardian's shape.
/// </summary>
internal static class HostedFormEndpoints
{
    public const string CompletionPathSuffix = "/complete";

    public static void MapHostedForm(this IEndpointRouteBuilder routes)
    {
        RouteGroupBuilder group = routes.MapGroup("/sessions").WithTags("hosted form");

        group.MapGet("/{id}/form", FormAsync)
            .WithName("hosted_form")
            .WithSummary("The hosted card form of a session (HTML)")
            .WithDescription("Query: optional return_url, whose origin must be one of the tenant's allowed origins. Framing is allowed only from those origins (CSP frame-ancestors).")
            .Produces(200, contentType: "text/html");
        group.MapGet("/assets/{name}", Asset).ExcludeFromDescription();
        group.MapPost("/{id}/complete", CompleteAsync)
            .WithName("session_complete")
            .WithSummary("Complete a session with the card the cardholder entered (no credential: the session id is the capability)")
            .WithDescription("Body: account_number, expiry_month, expiry_year, security_code, cardholder_name (a security-code session takes only security_code). " +
                "Validated exactly like the pan source. 409 when already completed, 410 when expired or locked after too many failed attempts; 422 responses carry x-attempts-remaining.")
            .Accepts<JsonElement>("application/json")
            .Produces<GuardianSessionCompletion>(200)
            .Produces<GuardianError>(404)
            .Produces<GuardianError>(409)
            .Produces<GuardianError>(410)
            .Produces<GuardianError>(413)
            .Produces<GuardianError>(422)
            .Produces<GuardianError>(429);
        group.MapMethods("/{id}/complete", [HttpMethods.Options], PreflightAsync).ExcludeFromDescription();
    }

    private static async Task<IResult> FormAsync(HttpContext http, string id, SessionService sessions, HostedFormRateLimiter limiter)
    {
        if (await limiter.TryAcquireAsync(http) is { Acquired: false, RetryAfterSeconds: int retryAfter })
        {
            http.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Page(http, 429, [], new("unavailable", "Too many requests from your network. Please wait a minute and try again."));
        }

        SessionView? session = Guid.TryParse(id, out Guid sessionId) ? await sessions.FindAsync(sessionId, http.RequestAborted) : null;
        if (session is null)
        {
            return Page(http, 404, [], new("unavailable", "This card form link is not valid. Please return to the merchant and start again."));
        }

        IReadOnlyList<string> origins = await sessions.GetAllowedOriginsAsync(session.Record.TenantId, http.RequestAborted);
        string? returnUrl = http.Request.Query["return_url"];
        if (returnUrl is not null && (HostedFormOrigins.OriginOf(returnUrl) is not { } returnOrigin || !origins.Contains(returnOrigin, StringComparer.Ordinal)))
        {
            return Page(http, 400, origins, new("unavailable", "This card form link has a return address the merchant has not registered."));
        }

        if (PanDetector.ContainsPan(returnUrl))
        {
            // The return address is echoed into the page; a card number in it would be served back in clear.
            return Page(http, 400, origins, new("unavailable", "This card form link has a return address that contains a card number."));
        }

        return session.Status switch
        {
            SessionStatus.Completed => Page(http, 409, origins, new("unavailable", "This card form has already been used.")),
            SessionStatus.Expired => Page(http, 410, origins, new("unavailable", "This card form has expired. Please return to the merchant and start again.")),
            SessionStatus.Locked => Page(http, 410, origins, new("unavailable", "This card form is locked after too many attempts. Please return to the merchant and start again.")),
            _ => Page(http, 200, origins, new(
                "open",
                "",
                session.Id,
                session.Record.Kind,
                session.Record.Kind == SessionKind.SecurityCode && session.Card is { } card ? $"{card.Scheme.WireName()} {card.MaskedAccountNumber}" : null,
                returnUrl,
                origins,
                session.AttemptsRemaining)),
        };
    }

    private static IResult Asset(HttpContext http, string name)
    {
        if (!HostedFormPage.Assets.TryGetValue(name, out (byte[] Body, string ContentType) asset))
        {
            return Results.NotFound();
        }

        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.CacheControl = "no-cache";
        return Results.Bytes(asset.Body, asset.ContentType);
    }

    private static async Task<JsonResponse> CompleteAsync(HttpContext http, string id, SessionService sessions, HostedFormRateLimiter limiter, IOptions<HostedFormOptions> options)
    {
        if (await limiter.TryAcquireAsync(http) is { Acquired: false, RetryAfterSeconds: int retryAfter })
        {
            return GuardianResponses.TooManyRequests(retryAfter);
        }

        if (!Guid.TryParse(id, out Guid sessionId))
        {
            return SessionNotFound();
        }

        int maxBytes = options.Value.MaxBodyBytes;
        byte[]? body = await RequestBody.ReadAsync(http.Request, http.RequestAborted, maxBytes);
        if (body is null)
        {
            return GuardianResponses.PayloadTooLarge(maxBytes);
        }

        try
        {
            // The session decides which fields are read; look it up before parsing so a bad id never parses card data.
            SessionView? session = await sessions.FindAsync(sessionId, http.RequestAborted);
            if (session is null)
            {
                return SessionNotFound();
            }

            await AllowOriginAsync(http, session.Record.TenantId, sessions);
            var reader = new GuardianRequestReader([]);
            using JsonDocument? document = reader.ParseObject(body);
            if (document is null)
            {
                return GuardianResponses.Validation(reader.Errors);
            }

            CardInput input = session.Record.Kind == SessionKind.SecurityCode
                ? new CardInput { SecurityCode = reader.String(document.RootElement, "security_code", "$.security_code", required: true) }
                : reader.Card(document.RootElement, "$");
            if (reader.Errors.Count > 0)
            {
                return GuardianResponses.Validation(reader.Errors);
            }

            SessionCompletion result = await sessions.CompleteAsync(sessionId, input, http.RequestAborted);
            switch (result.Outcome)
            {
                case SessionCompletionOutcome.Completed:
                    SessionView completed = result.Session!;
                    bool network = completed.Record.Kind == SessionKind.NetworkToken;
                    var wire = new GuardianSessionCompletion(
                        completed.Id, "completed", network ? null : completed.Record.TokenId, network ? completed.Record.TokenId : null,
                        completed.Card is { } card ? GuardianResponses.ToWire(card) : null);
                    return GuardianResponses.Json(200, wire, GuardianJson.Default.GuardianSessionCompletion);
                case SessionCompletionOutcome.Invalid:
                    reader.AddCardErrors(result.Errors, "$");
                    http.Response.Headers["x-attempts-remaining"] = result.Session!.AttemptsRemaining.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    return GuardianResponses.Validation(reader.Errors);
                case SessionCompletionOutcome.AlreadyCompleted:
                    return GuardianResponses.Conflict("Session already completed");
                case SessionCompletionOutcome.Expired:
                    return GuardianResponses.Error(410, "SESSION_EXPIRED", "Session expired");
                case SessionCompletionOutcome.Locked:
                    return GuardianResponses.Error(410, "SESSION_LOCKED", "Session locked after too many failed attempts");
                default:
                    return SessionNotFound();
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(body);
        }
    }

    /// <summary>CORS preflight for a merchant page calling the completion endpoint directly.</summary>
    private static async Task<IResult> PreflightAsync(HttpContext http, string id, SessionService sessions, HostedFormRateLimiter limiter)
    {
        if (!(await limiter.TryAcquireAsync(http)).Acquired)
        {
            return Results.StatusCode(429);
        }

        SessionView? session = Guid.TryParse(id, out Guid sessionId) ? await sessions.FindAsync(sessionId, http.RequestAborted) : null;
        if (session is null || !await AllowOriginAsync(http, session.Record.TenantId, sessions))
        {
            return Results.StatusCode(403);
        }

        http.Response.Headers.AccessControlAllowMethods = "POST";
        http.Response.Headers.AccessControlAllowHeaders = "content-type";
        http.Response.Headers.AccessControlMaxAge = "600";
        return Results.NoContent();
    }

    /// <summary>Adds CORS headers when the request's Origin is one of the tenant's allowed origins.</summary>
    private static async Task<bool> AllowOriginAsync(HttpContext http, Guid tenantId, SessionService sessions)
    {
        http.Response.Headers.Vary = "Origin";
        string? origin = http.Request.Headers.Origin;
        if (origin is null)
        {
            return false;
        }

        IReadOnlyList<string> allowed = await sessions.GetAllowedOriginsAsync(tenantId, http.RequestAborted);
        if (!allowed.Contains(origin.ToLowerInvariant(), StringComparer.Ordinal))
        {
            return false;
        }

        http.Response.Headers.AccessControlAllowOrigin = origin;
        http.Response.Headers.AccessControlExposeHeaders = "x-attempts-remaining, retry-after";
        return true;
    }

    private static JsonResponse SessionNotFound() => GuardianResponses.Error(404, "NOT_FOUND", "Session not found");

    /// <summary>The page with its security headers: only same-origin resources, framing only by the tenant's origins.</summary>
    private static IResult Page(HttpContext http, int status, IReadOnlyList<string> frameAncestors, HostedFormPage.Model model)
    {
        IHeaderDictionary headers = http.Response.Headers;
        string ancestors = frameAncestors.Count == 0 ? "'none'" : string.Join(' ', frameAncestors);
        headers.ContentSecurityPolicy =
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
            $"form-action 'none'; base-uri 'none'; frame-ancestors {ancestors}";
        if (frameAncestors.Count == 0)
        {
            headers.XFrameOptions = "DENY";
        }

        headers.CacheControl = "no-store";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
        return Results.Content(HostedFormPage.Render(model), "text/html; charset=utf-8", System.Text.Encoding.UTF8, status);
    }
}
