using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Strongroom.Core.Audit;
using Strongroom.Core.Forwarding;
using Strongroom.Core.Tenancy;
using Strongroom.Server.Guardian;
using Strongroom.Server.Http;
using Strongroom.Server.Tap;

namespace Strongroom.Server.Forwarding;

/// <summary>
/// Forwarding: the caller's body, with card data (or a network token's cryptogram) filled into its placeholders
/// inside the vault, sent to an allowlisted destination; the destination's status, headers and body come back, with
/// any echoed card number masked. Needs the <c>data:out</c> right. Guardian's routes, plus a Tap route for
/// single-use tokens (which it uses up).
/// </summary>
internal static class ForwardEndpoints
{
    public const string DestinationHeader = "x-destination-url";
    public const string CryptogramReferenceHeader = "x-cryptogram-reference";

    private const string Description = "Header x-destination-url (an allowlisted https destination); body: any text with placeholders " +
        "{{ name }} (a JSON string) or {{ name | unwrap }} (native). Headers are passed on except the vault's own, Host, framing, hop-by-hop, proxy-* and x-forwarded-*; " +
        "x-own-header-name/value sets one that would be stripped (not Host, framing or hop-by-hop: 422 naming the header, nothing is sent). " +
        "Returns the destination's status, headers and body, uncompressed (echoed card numbers in any separator form and filled-in security codes masked). " +
        "403 when not allowlisted or blocked, 422 naming placeholders that cannot be filled (nothing is sent), 502/504 on destination failure or an encoding the vault cannot undo.";

    /// <summary>Guardian's forward routes: a PCI token's card data and a network token's cryptogram.</summary>
    public static void MapGuardianForwarding(this IEndpointRouteBuilder routes)
    {
        RouteGroupBuilder guardian = routes.MapGroup("/api")
            .AddEndpointFilter<GuardianAuthentication>()
            .RequireRights(VaultRights.DataOut)
            .ProducesGuardianErrors();
        guardian.MapPost("/pci/tokens/{id}/forward", PciTokenAsync)
            .WithTags("pci")
            .WithName("pci_token_forward").WithSummary("Forward card data (account_number, cardholder_name, expiry_year, expiry_month, security_code); the id may be the token's format-preserving alias")
            .WithDescription(Description);
        guardian.MapPost("/network/tokens/{id}/forward", CryptogramAsync)
            .WithTags("network")
            .WithName("network_token_forward")
            .WithSummary("Forward a cryptogram (header x-cryptogram-reference; placeholders cryptogram, dynamic_cvv, eci, expiry_month, expiry_year, number, type, scheme_reference, network_token_id, network_token_type)")
            .WithDescription(Description + " The reference dies with the first successful (2xx) forward.");
    }

    /// <summary>Tap's forward route: the card of a single-use token.</summary>
    public static void MapTapForwarding(this IEndpointRouteBuilder routes)
    {
        routes.MapPost(TapTokenEndpoints.Path + "/{id}/forward", SingleUseTokenAsync)
            .WithTags("tap").AddEndpointFilter<TapAuthentication>().RequireRights(VaultRights.DataOut)
            .WithName("tap_token_forward").WithSummary("Forward the card of a single-use token (uses it up); same placeholders as the PCI token forward")
            .WithDescription(Description);
    }

    private static async Task<IResult> PciTokenAsync(HttpContext http, Caller caller, string id, ForwardingService forwarding, ForwardSender sender, AuditLog audit, IOptions<ForwardingOptions> options, Core.Tokens.PciTokenAliasService aliases)
    {
        Principal principal = caller.Principal;
        Guid tenantId = caller.TenantId;
        if (await aliases.ResolveAsync(tenantId, id, http.RequestAborted) is not Guid tokenId)
        {
            return GuardianResponses.NotFound();
        }

        return await ForwardAsync(http, new GuardianErrors(), tenantId, Actor.Of(principal), AuditActions.PciTokenForwarded, tokenId.ToString(), forwarding, sender, audit, options.Value,
            template => forwarding.PreparePciTokenAsync(tenantId, tokenId, template, http.RequestAborted));
    }

    private static async Task<IResult> CryptogramAsync(HttpContext http, Caller caller, string id, ForwardingService forwarding, ForwardSender sender, AuditLog audit, IOptions<ForwardingOptions> options)
    {
        Principal principal = caller.Principal;
        Guid tenantId = caller.TenantId;
        if (!Guid.TryParse(id, out Guid tokenId))
        {
            return GuardianResponses.NotFound();
        }

        string? reference = http.Request.Headers[CryptogramReferenceHeader];
        if (string.IsNullOrWhiteSpace(reference))
        {
            return GuardianResponses.Validation("$.headers['x-cryptogram-reference']", "A cryptogram reference (from the cryptogram endpoint's reference mode) is required.");
        }

        return await ForwardAsync(http, new GuardianErrors(), tenantId, Actor.Of(principal), AuditActions.NetworkTokenCryptogramForwarded, tokenId.ToString(), forwarding, sender, audit, options.Value,
            template => forwarding.PrepareCryptogramAsync(tenantId, tokenId, reference, template, http.RequestAborted));
    }

    private static async Task<IResult> SingleUseTokenAsync(HttpContext http, Caller caller, string id, ForwardingService forwarding, ForwardSender sender, AuditLog audit, IOptions<ForwardingOptions> options)
    {
        Principal principal = caller.Principal;
        Guid tenantId = caller.TenantId;
        return await ForwardAsync(http, new TapErrors(), tenantId, Actor.Of(principal), AuditActions.SingleUseTokenForwarded, id, forwarding, sender, audit, options.Value,
            template => forwarding.PrepareSingleUseTokenAsync(tenantId, id, template, http.RequestAborted), authorizationIsTheVaults: true);
    }

    private static async Task<IResult> ForwardAsync(
        HttpContext http, IForwardErrors errors, Guid tenantId, Actor actor, string action, string target,
        ForwardingService forwarding, ForwardSender sender, AuditLog audit, ForwardingOptions options,
        Func<string, Task<ForwardPreparation>> prepare, bool authorizationIsTheVaults = false)
    {
        // 1. The destination: absolute, allowlisted, TLS unless an explicitly allowed loopback in development.
        string? destinationText = http.Request.Headers[DestinationHeader];
        if (!Uri.TryCreate(destinationText, UriKind.Absolute, out Uri? url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp) || url.UserInfo.Length > 0)
        {
            return errors.BadRequest("x-destination-url must be an absolute https URL.");
        }

        ForwardDestination? destination = await forwarding.MatchAsync(tenantId, url, http.RequestAborted);
        if (destination is null || (url.Scheme == Uri.UriSchemeHttp && !(options.AllowInsecureLoopback && url.IsLoopback)))
        {
            return errors.Forbidden("The destination is not on the tenant's forwarding allowlist.");
        }

        // The headers to send: refused (422, naming the header) before the card data is touched, so a single-use token or a
        // cryptogram reference is not used up by a forward that was never going to be sent.
        if (ForwardHeaderPolicy.Evaluate(http.Request.Headers, authorizationIsTheVaults, out List<KeyValuePair<string, string>> headers) is { } refusal)
        {
            return errors.HeaderRefused(refusal.Path, refusal.Message);
        }

        // 2. The body, rendered with the card data; nothing is sent unless every placeholder is filled.
        byte[]? raw = await RequestBody.ReadAsync(http.Request, http.RequestAborted);
        if (raw is null)
        {
            return errors.TooLarge();
        }

        string template;
        try
        {
            template = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(raw);
        }
        catch (DecoderFallbackException)
        {
            return errors.Unfilled([], "The body must be UTF-8 text.");
        }

        ForwardPreparation preparation = await prepare(template);
        switch (preparation.Outcome)
        {
            case ForwardOutcome.NotFound:
                return errors.NotFound();
            case ForwardOutcome.Unfilled:
                return errors.Unfilled(preparation.Unfilled!, null);
            case ForwardOutcome.Spent or ForwardOutcome.NotActive:
                return errors.Conflict(preparation.Message ?? "Conflict");
        }

        PreparedForward forward = preparation.Forward!;
        ForwardResponse response;
        long started = Stopwatch.GetTimestamp();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(forward.Body) };
            ForwardHeaderPolicy.Apply(headers, request);
            response = await sender.SendAsync(destination, request, http.RequestAborted);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The caller went away mid-forward: the destination may already hold the card data, so the forward is still
            // audited. A cryptogram reference stays reserved (the destination may have used it).
            await AuditAsync(audit, actor, action, tenantId, target, destination, 0, "aborted", Stopwatch.GetElapsedTime(started), forward.Body.Length, 0);
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(forward.Body);
        }

        bool succeeded = response.Failure == ForwardFailure.None && response.Status is >= 200 and < 300;
        await forward.CompleteAsync(succeeded);
        await AuditAsync(audit, actor, action, tenantId, target, destination, response.Status,
            response.Failure == ForwardFailure.None ? "delivered" : response.Failure.ToString().ToLowerInvariant(), response.Duration, forward.Body.Length, response.Body.Length);

        return response.Failure switch
        {
            ForwardFailure.Blocked => errors.Forbidden(response.Detail!),
            ForwardFailure.Timeout => errors.Upstream(504, "GATEWAY_TIMEOUT", response.Detail!),
            ForwardFailure.TooLarge => errors.Upstream(502, "RESPONSE_TOO_LARGE", response.Detail!),
            ForwardFailure.Unreachable or ForwardFailure.Unreadable => errors.Upstream(502, "BAD_GATEWAY", response.Detail!),
            _ => new DestinationResult(response, forward.Masker),
        };
    }

    private static Task<AuditEntry> AuditAsync(
        AuditLog audit, Actor actor, string action, Guid tenantId, string target, ForwardDestination destination, int status, string outcome, TimeSpan duration, int requestBytes, int responseBytes) =>
        audit.AppendAsync(actor.Name, action, tenantId, target, new Dictionary<string, string>
        {
            ["destination"] = destination.Origin,
            ["status"] = status.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["outcome"] = outcome,
            ["duration_ms"] = ((long)duration.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["request_bytes"] = requestBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["response_bytes"] = responseBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, CancellationToken.None);

    /// <summary>The destination's answer, passed on with every secret the forward carried masked (body and header values); also the inbound proxy's.</summary>
    internal sealed class DestinationResult(ForwardResponse response, ForwardResponseMasker masker) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = response.Status;
            foreach (KeyValuePair<string, string> header in response.Headers)
            {
                // A header whose very name carries card data is dropped: a name cannot be masked and stay meaningful.
                if (ForwardHeaderPolicy.IsPassedBack(header.Key) && string.Equals(masker.MaskText(header.Key), header.Key, StringComparison.Ordinal))
                {
                    httpContext.Response.Headers.Append(header.Key, masker.MaskText(header.Value));
                }
            }

            byte[] body = masker.MaskBody(response.Body);
            httpContext.Response.ContentLength = body.Length;
            await httpContext.Response.Body.WriteAsync(body, httpContext.RequestAborted);
        }
    }

    /// <summary>Each dialect's error shape for the forward failures.</summary>
    private interface IForwardErrors
    {
        IResult BadRequest(string message);

        IResult Forbidden(string message);

        IResult NotFound();

        IResult Conflict(string message);

        IResult TooLarge();

        IResult Unfilled(IReadOnlyList<string> placeholders, string? message);

        IResult Upstream(int status, string classifier, string message);

        IResult HeaderRefused(string path, string message);
    }

    private sealed class GuardianErrors : IForwardErrors
    {
        public IResult BadRequest(string message) => GuardianResponses.Error(400, "BAD_REQUEST", message);

        public IResult Forbidden(string message) => GuardianResponses.Error(403, "FORBIDDEN", message);

        public IResult NotFound() => GuardianResponses.NotFound();

        public IResult Conflict(string message) => GuardianResponses.Conflict(message);

        public IResult TooLarge() => GuardianResponses.PayloadTooLarge();

        public IResult Unfilled(IReadOnlyList<string> placeholders, string? message) => message is not null
            ? GuardianResponses.Validation("$", message)
            : GuardianResponses.Validation([.. placeholders.Select(p => new GuardianValidationError($"$.placeholders.{p}", $"The placeholder {{{{ {p} }}}} cannot be filled (unknown, or the data is not available)."))]);

        public IResult Upstream(int status, string classifier, string message) => GuardianResponses.Error(status, classifier, message);

        public IResult HeaderRefused(string path, string message) => GuardianResponses.Validation(path, message);
    }

    private sealed class TapErrors : IForwardErrors
    {
        public IResult BadRequest(string message) => TapResponses.Error(400, TapErrorCodes.InvalidRequest, message);

        public IResult Forbidden(string message) => TapResponses.Error(403, TapErrorCodes.Forbidden, message);

        public IResult NotFound() => TapResponses.NotFound();

        public IResult Conflict(string message) => TapResponses.Error(409, "1409", message);

        public IResult TooLarge() => TapResponses.Error(413, TapErrorCodes.PayloadTooLarge, $"The request body exceeds {RequestBody.MaxBytes} bytes.");

        public IResult Unfilled(IReadOnlyList<string> placeholders, string? message) => TapResponses.Errors(422, message is not null
            ? [new TapError("1422", message)]
            : [.. placeholders.Select(p => new TapError("1422", $"The placeholder {{{{ {p} }}}} cannot be filled."))]);

        public IResult Upstream(int status, string classifier, string message) => TapResponses.Error(status, "1" + status.ToString(System.Globalization.CultureInfo.InvariantCulture), message);

        public IResult HeaderRefused(string path, string message) => TapResponses.Errors(422, [new TapError("1422", message)]);
    }
}
