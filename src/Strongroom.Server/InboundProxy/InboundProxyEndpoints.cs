using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Microsoft.Net.Http.Headers;
using Strongroom.Core.Audit;
using Strongroom.Core.Cards;
using Strongroom.Core.Forwarding;
using Strongroom.Core.InboundRoutes;
using Strongroom.Core.Tokens;
using Strongroom.Server.Forwarding;
using Strongroom.Server.Http;

namespace Strongroom.Server.InboundProxy;

/// <summary>
/// The inbound proxy, <c>/inbound/{prefix}/…</c>: a client that cannot change (a mobile app, a partner) sends its card
/// request to the vault instead of the merchant's API. A request matching the route's method, path pattern and content type
/// has its card fields validated with the core's rules (a bad card is a 422 in the route's error shape and nothing goes
/// upstream), is tokenized as <c>POST /api/pci/tokens</c> tokenizes (the security code kept only in the ephemeral store), and
/// goes to the route's upstream with the card number replaced by the token id or its format-preserving alias and the
/// security code taken out. Headers pass by forwarding's one policy (<see cref="ForwardHeaderPolicy"/>), the upstream is
/// reached through forwarding's SSRF-checked sender and must stay on the tenant's allowlist, and the upstream's answer comes
/// back with any card number masked. Whatever reaches the upstream (matched or passed through) carries no card number in its
/// path, query, headers or body: a request that would is refused before anything is sent.
/// </summary>
internal static class InboundProxyEndpoints
{
    public const string PathPrefix = "/inbound";

    private static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE"];

    public static void MapInboundProxy(this IEndpointRouteBuilder routes)
    {
        // One endpoint per method, so each is its own OpenAPI operation with its own id.
        foreach (string method in Methods)
        {
            routes.MapMethods(PathPrefix + "/{prefix}/{**rest}", [method], ProxyAsync)
                .WithTags("inbound")
                .WithName("inbound_proxy_" + method.ToLowerInvariant())
                .WithSummary("Inbound proxy: card fields tokenized on the way to the merchant's own API")
                .WithDescription("No vault credentials: the route (its prefix) names the tenant. A request matching the route's method, path pattern and content type " +
                    "has its card fields validated and tokenized; the card number is replaced by the token id or a format-preserving alias, the security code is removed " +
                    "(kept only in the ephemeral store), and the request goes to the upstream. Returns the upstream's status, headers and body (card numbers masked), or the " +
                    "route's own error (guardian or problem shape): 404 unknown route or path, 405/415 unmatched method or content type (refuse routes), 413 body too large, " +
                    "422 bad card or a card number outside the card fields, 409 no free alias, 429 rate limit, 502/504 upstream failure.")
                .Accepts<string>("application/json", "application/x-www-form-urlencoded")
                .Produces<string>(200, "application/json")
                .Produces(400).Produces(404).Produces(405).Produces(409).Produces(413).Produces(415).Produces(422).Produces(429).Produces(502).Produces(504)
                .AddOpenApiOperationTransformer(DescribeRestParameter);
        }
    }

    /// <summary>The catch-all <c>{**rest}</c> is read from the request path, not bound: the document still has to name it.</summary>
    private static Task DescribeRestParameter(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = "rest",
            In = ParameterLocation.Path,
            Required = true,
            Description = "The rest of the path, matched against the route's path pattern and appended to its upstream URL.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
        });
        return Task.CompletedTask;
    }

    private static async Task<IResult> ProxyAsync(
        HttpContext http, string prefix, InboundRouteTable table, InboundRateLimiters limiters, ForwardingService forwarding, ForwardSender sender,
        PciTokenService tokens, PciTokenAliasService aliases, CardRulesService cardRules, AuditLog audit, TimeProvider time, IOptions<ForwardingOptions> forwardingOptions)
    {
        InboundRoute? route = await table.FindAsync(prefix, http.RequestAborted);
        if (route is null)
        {
            return Guardian.GuardianResponses.NotFound();
        }

        InboundErrorShape shape = route.Rules.ErrorShape;
        RateLimitDecision decision = await limiters.TryAcquireAsync(route);
        if (!decision.Acquired)
        {
            return InboundErrors.Write(shape, 429, "TOO_MANY_REQUESTS", "Too many requests", retryAfterSeconds: decision.RetryAfterSeconds);
        }

        // 1. Where it goes: the path under the prefix and the query, neither carrying a card number nor climbing out of the upstream's base path.
        string rest = (http.Request.Path.Value ?? "")[(PathPrefix.Length + 1 + prefix.Length)..];
        string subPath = rest.Length == 0 ? "/" : rest;
        if (subPath.Split('/').Any(segment => segment is "." or ".."))
        {
            return InboundErrors.Write(shape, 400, "BAD_REQUEST", "The path must not contain . or .. segments.");
        }

        string query = http.Request.QueryString.Value ?? "";
        if (PanDetector.ContainsPan(subPath) || PanDetector.ContainsPan(Uri.UnescapeDataString(query)))
        {
            return InboundErrors.Validation(shape, [new("$.url", "The path or query carries a card number; send card data in the route's card fields.")]);
        }

        // 2. The headers, by forwarding's policy; none may carry a card number (they are not tokenized).
        if (ForwardHeaderPolicy.Evaluate(http.Request.Headers, authorizationIsTheVaults: false, out List<KeyValuePair<string, string>> headers) is { } refusal)
        {
            return InboundErrors.Validation(shape, [new(refusal.Path, refusal.Message)]);
        }

        if (headers.FirstOrDefault(h => PanDetector.ContainsPan(h.Value)) is { Key: { } panHeader })
        {
            return InboundErrors.Validation(shape, [new($"$.headers['{panHeader}']", "The header carries a card number; send card data in the route's card fields.")]);
        }

        // 3. The body, within the route's limit.
        byte[]? body = await ReadBodyAsync(http.Request, route.Rules.MaxBodyBytes, http.RequestAborted);
        if (body is null)
        {
            return InboundErrors.Write(shape, 413, "PAYLOAD_TOO_LARGE", $"The request body exceeds {route.Rules.MaxBodyBytes} bytes");
        }

        try
        {
            return await ProxyBodyAsync(http, route, subPath + query, headers, body, forwarding, sender, tokens, aliases, cardRules, audit, time, forwardingOptions.Value);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(body);
        }
    }

    private static async Task<IResult> ProxyBodyAsync(
        HttpContext http, InboundRoute route, string pathAndQuery, List<KeyValuePair<string, string>> headers, byte[] body,
        ForwardingService forwarding, ForwardSender sender, PciTokenService tokens, PciTokenAliasService aliases, CardRulesService cardRules, AuditLog audit,
        TimeProvider time, ForwardingOptions forwardingOptions)
    {
        InboundRouteRules rules = route.Rules;
        InboundErrorShape shape = rules.ErrorShape;
        string subPath = pathAndQuery.Split('?', 2)[0];
        int? mismatch = !string.Equals(http.Request.Method, rules.Method, StringComparison.OrdinalIgnoreCase) ? 405
            : !InboundPathPattern.Matches(rules.PathPattern, subPath) ? 404
            : !ContentTypeMatches(http.Request.ContentType, rules.ContentType) ? 415
            : null;

        byte[] outgoing;
        ForwardResponseMasker masker = ForwardResponseMasker.None;
        string? tokenId = null;
        if (mismatch is int status)
        {
            if (rules.Unmatched == InboundUnmatched.Refuse)
            {
                return InboundErrors.Write(shape, status, status switch { 404 => "NOT_FOUND", 405 => "METHOD_NOT_ALLOWED", _ => "UNSUPPORTED_MEDIA_TYPE" },
                    "No rule of this inbound route matches the request (method, path or content type).");
            }

            // Passed through unchanged, so it must carry no card number at all: text only, scanned whole.
            if (body.Length > 0 && (!System.Text.Unicode.Utf8.IsValid(body) || PanDetector.ContainsPan(System.Text.Encoding.UTF8.GetString(body))))
            {
                return InboundErrors.Validation(shape, [new("$", "A request passed through untokenized must be UTF-8 text without a card number.")]);
            }

            outgoing = (byte[])body.Clone();
        }
        else
        {
            var errors = new List<InboundFieldError>();
            IInboundBody? parsed = InboundBody.Parse(rules, body, errors);
            if (parsed is null)
            {
                return InboundErrors.Validation(shape, errors);
            }

            var cardErrors = new List<CardFieldError>();
            ValidCard? card = await cardRules.ValidateAsync(route.TenantId, parsed.Card, time.GetUtcNow(), cardErrors, http.RequestAborted);
            if (card is null)
            {
                return InboundErrors.Validation(shape, [.. cardErrors.Select(e => new InboundFieldError(PathOf(rules.Fields, e.Field), e.Message))]);
            }

            if (parsed.OtherPartsCarryPan)
            {
                return InboundErrors.Validation(shape, [new("$", "A field other than the route's card number field carries a card number.")]);
            }

            if (await forwarding.MatchAsync(route.TenantId, route.Upstream, http.RequestAborted) is null)
            {
                return InboundErrors.Write(shape, 502, "BAD_GATEWAY", "The route's upstream is no longer on the tenant's forwarding allowlist.");
            }

            // 4. Tokenized exactly as POST /api/pci/tokens does it (the security code goes to the ephemeral store only).
            string replacement;
            if (rules.Replacement == InboundReplacement.FpeAlias)
            {
                PciToken? aliased = await aliases.CreateAsync(route.TenantId, card, TokenOptions.None, null, http.RequestAborted);
                if (aliased is null)
                {
                    return InboundErrors.Write(shape, 409, "CONFLICT", "No free format-preserving alias was found for this card range.");
                }

                (tokenId, replacement) = (aliased.Id.ToString(), aliased.Alias!);
            }
            else
            {
                PciToken token = await tokens.CreateAsync(route.TenantId, card, TokenOptions.None, http.RequestAborted);
                (tokenId, replacement) = (token.Id.ToString(), token.Id.ToString());
            }

            outgoing = parsed.Render(replacement);
            masker = new ForwardResponseMasker([card.Pan.Reveal()], card.SecurityCode is { } code ? [code] : [], []);
        }

        return await SendAsync(http, route, pathAndQuery, headers, outgoing, masker, tokenId, forwarding, sender, audit, forwardingOptions);
    }

    private static async Task<IResult> SendAsync(
        HttpContext http, InboundRoute route, string pathAndQuery, List<KeyValuePair<string, string>> headers, byte[] outgoing, ForwardResponseMasker masker, string? tokenId,
        ForwardingService forwarding, ForwardSender sender, AuditLog audit, ForwardingOptions forwardingOptions)
    {
        InboundErrorShape shape = route.Rules.ErrorShape;
        ForwardDestination? destination = await forwarding.MatchAsync(route.TenantId, route.Upstream, http.RequestAborted);
        if (destination is null || (route.Upstream.Scheme == Uri.UriSchemeHttp && !(forwardingOptions.AllowInsecureLoopback && route.Upstream.IsLoopback)))
        {
            return InboundErrors.Write(shape, 502, "BAD_GATEWAY", "The route's upstream is not on the tenant's forwarding allowlist.");
        }

        var url = new Uri(route.Upstream.GetLeftPart(UriPartial.Authority) + route.Upstream.AbsolutePath.TrimEnd('/') + pathAndQuery, UriKind.Absolute);
        ForwardResponse response;
        long started = Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        timeout.CancelAfter(TimeSpan.FromSeconds(route.Rules.TimeoutSeconds));
        try
        {
            using var request = new HttpRequestMessage(new HttpMethod(http.Request.Method), url);
            if (outgoing.Length > 0 || http.Request.ContentLength is not null || http.Request.Headers.TransferEncoding.Count > 0)
            {
                request.Content = new ByteArrayContent(outgoing);
            }

            ForwardHeaderPolicy.Apply(headers, request);
            response = await sender.SendAsync(destination, request, timeout.Token);
        }
        catch (OperationCanceledException) when (!http.RequestAborted.IsCancellationRequested)
        {
            response = new ForwardResponse(ForwardFailure.Timeout, 0, [], [], Stopwatch.GetElapsedTime(started), "The upstream did not answer in time.");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(outgoing);
        }

        await audit.AppendAsync("inbound:" + route.Prefix, InboundRouteActions.Proxied, route.TenantId, route.Id.ToString(), new Dictionary<string, string>
        {
            ["method"] = http.Request.Method,
            ["upstream"] = destination.Origin,
            ["tokenized"] = tokenId is null ? "false" : "true",
            ["token_id"] = tokenId ?? "",
            ["status"] = response.Status.ToString(CultureInfo.InvariantCulture),
            ["outcome"] = response.Failure == ForwardFailure.None ? "delivered" : response.Failure.ToString().ToLowerInvariant(),
            ["duration_ms"] = ((long)response.Duration.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            ["response_bytes"] = response.Body.Length.ToString(CultureInfo.InvariantCulture),
        }, CancellationToken.None);

        return response.Failure switch
        {
            ForwardFailure.None => new ForwardEndpoints.DestinationResult(response, masker),
            ForwardFailure.Timeout => InboundErrors.Write(shape, 504, "GATEWAY_TIMEOUT", response.Detail!),
            ForwardFailure.Blocked => InboundErrors.Write(shape, 502, "BAD_GATEWAY", response.Detail!),
            _ => InboundErrors.Write(shape, 502, "BAD_GATEWAY", response.Detail!),
        };
    }

    private static string PathOf(InboundCardFields fields, CardField field) => field switch
    {
        CardField.AccountNumber => fields.AccountNumber,
        CardField.ExpiryMonth => fields.ExpiryMonth ?? "$",
        CardField.ExpiryYear => fields.ExpiryYear ?? "$",
        CardField.SecurityCode => fields.SecurityCode ?? "$",
        CardField.CardholderName => fields.CardholderName ?? "$",
        _ => "$",
    };

    private static bool ContentTypeMatches(string? header, InboundContentType expected)
    {
        if (!MediaTypeHeaderValue.TryParse(header, out MediaTypeHeaderValue? mediaType))
        {
            return false;
        }

        if (mediaType.Charset.HasValue && !mediaType.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        string type = mediaType.MediaType.Value ?? "";
        return expected == InboundContentType.Json
            ? type.Equals("application/json", StringComparison.OrdinalIgnoreCase) || type.EndsWith("+json", StringComparison.OrdinalIgnoreCase)
            : type.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The body, or null when it exceeds <paramref name="limit"/> (by its declared length or as it streams in, chunked or not).</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        byte[] chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                CryptographicOperations.ZeroMemory(chunk);
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        CryptographicOperations.ZeroMemory(chunk);
        byte[] body = buffer.ToArray();
        CryptographicOperations.ZeroMemory(buffer.GetBuffer());
        return body;
    }
}
