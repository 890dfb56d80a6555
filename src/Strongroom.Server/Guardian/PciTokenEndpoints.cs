using System.Text.Json;
using Strongroom.Core.Cards;
using Strongroom.Core.Idempotency;
using Strongroom.Core.Sessions;
using Strongroom.Core.Tenancy;
using Strongroom.Core.Tokens;
using Strongroom.Server.Http;

namespace Strongroom.Server.Guardian;

/// <summary>Guardian's PCI token resource: <c>/api/pci/tokens</c> and its security-code sub-resource.</summary>
internal static class PciTokenEndpoints
{
    public const int DefaultPageSize = 20;

    public static RouteGroupBuilder MapGuardianPciTokens(this IEndpointRouteBuilder routes)
    {
        RouteGroupBuilder group = routes.MapGroup("/api/pci/tokens")
            .WithTags("pci")
            .AddEndpointFilter<GuardianAuthentication>()
            .ProducesGuardianErrors();

        group.MapPost("/", CreateAsync)
            .ReadsBody()
            .RequireRights(VaultRights.TokensCreate)
            .WithName("pci_token_create")
            .WithSummary("Create token")
            .WithDescription("Tokenize a card (source.type = pan), open a card-entry session (source.type = session), or use up a Tap-style single-use token " +
                "(source.type = single_use_token, token_id = tok_…; 409 when already used or expired). Honours x-idempotency-key. " +
                "With alias: {\"format\": \"fpe\"} (source.type = pan only) the token also gets a format-preserving alias (same length, first six and last four kept, " +
                "Luhn-invalid), returned as alias and accepted wherever the token id is; 409 when no free alias was found.")
            .Accepts<PciTokenCreateRequest>("application/json")
            .Produces<GuardianPciToken>(200)
            .Produces(413);
        group.MapGet("/", ListAsync)
            .RequireRights(VaultRights.TokensRead)
            .WithName("pci_token_list")
            .WithSummary("List tokens (cursor paging)")
            .Produces<GuardianTokenList>(200);
        group.MapGet("/{id}", GetAsync)
            .RequireRights(VaultRights.TokensRead)
            .WithName("pci_token_get")
            .WithSummary("Get token (masked); the id may be the token's format-preserving alias")
            .Produces<GuardianPciToken>(200);
        group.MapDelete("/{id}", DeleteAsync)
            .RequireRights(VaultRights.TokensDelete)
            .WithName("pci_token_delete")
            .WithSummary("Delete token (erases the card data and its security code)")
            .Produces(204);
        group.MapGet("/{id}/security-code", GetSecurityCodeAsync)
            .RequireRights(VaultRights.TokensRead)
            .WithName("pci_token_security_code_get")
            .WithSummary("Is a security code available for this token?")
            .Produces<GuardianSecurityCodeAvailability>(200);
        group.MapPost("/{id}/security-code", CreateSecurityCodeSessionAsync)
            .RequireRights(VaultRights.TokensCreate)
            .WithName("pci_token_security_code_session")
            .WithSummary("Open a session through which the cardholder re-enters the security code")
            .Produces<GuardianSession>(200);
        group.MapDelete("/{id}/security-code", DeleteSecurityCodeAsync)
            .RequireRights(VaultRights.TokensDelete)
            .WithName("pci_token_security_code_delete")
            .WithSummary("Forget the token's security code")
            .Produces(204);
        return group;
    }

    private static async Task<JsonResponse> CreateAsync(HttpContext http, RawBody body, Caller caller, PciTokenService tokens, PciTokenAliasService aliases, SessionService sessions, SingleUseTokenService singleUse, GuardianIdempotency idempotency, TimeProvider time, CardRulesService cardRules)
    {
        return await idempotency.RunAsync(http, caller.TenantId, "POST /api/pci/tokens", body.Bytes, reservation => CreateFromBodyAsync(caller.TenantId, body.Bytes, tokens, aliases, sessions, singleUse, time, cardRules, reservation, http.RequestAborted));
    }

    private static async Task<JsonResponse> CreateFromBodyAsync(
        Guid tenantId, byte[] body, PciTokenService tokens, PciTokenAliasService aliases, SessionService sessions, SingleUseTokenService singleUse, TimeProvider time, CardRulesService cardRules,
        IdempotencyReservation? reservation, CancellationToken cancellationToken)
    {
        var reader = new GuardianRequestReader([]);
        using JsonDocument? document = reader.ParseObject(body);
        if (document is null)
        {
            return GuardianResponses.Validation(reader.Errors);
        }

        JsonElement root = document.RootElement;
        int? expiresIn = reader.ExpiresIn(root);
        Dictionary<string, string>? metadata = reader.Metadata(root);
        JsonElement? source = reader.Object(root, "source", "$.source", required: true);
        string? type = source is { } s ? reader.String(s, "type", "$.source.type", required: true) : null;
        bool withAlias = ReadAliasOption(reader, root);
        if (withAlias && type is "session" or "single_use_token")
        {
            reader.Errors.Add(new("$.alias", "An alias can be requested only with source.type pan."));
        }

        if (type is "session")
        {
            if (reader.Errors.Count > 0)
            {
                return GuardianResponses.Validation(reader.Errors);
            }

            SessionRecord session = await sessions.CreateForPciTokenAsync(tenantId, new TokenOptions(expiresIn, metadata), cancellationToken,
                GuardianIdempotency.Reply<SessionRecord>(reservation, SessionCreated));
            return SessionCreated(session);
        }

        if (type is "single_use_token")
        {
            string? tokenId = reader.String(source!.Value, "token_id", "$.source.token_id", required: true);
            if (reader.Errors.Count > 0)
            {
                return GuardianResponses.Validation(reader.Errors);
            }

            SingleUseConsumption consumed = await singleUse.ConsumeIntoPciTokenAsync(tenantId, tokenId!, new TokenOptions(expiresIn, metadata), cancellationToken,
                GuardianIdempotency.Reply<PciToken>(reservation, GuardianResponses.Token));
            return consumed.Outcome switch
            {
                SingleUseOutcome.Done => GuardianResponses.Token(consumed.Token!),
                SingleUseOutcome.AlreadyUsed => GuardianResponses.Conflict("The single-use token has already been used."),
                SingleUseOutcome.Expired => GuardianResponses.Conflict("The single-use token has expired."),
                _ => GuardianResponses.Validation("$.source.token_id", "No such single-use token."),
            };
        }

        if (type is not "pan")
        {
            if (type is not null)
            {
                reader.Errors.Add(new("$.source.type", "Must be one of: pan, session, single_use_token."));
            }

            return GuardianResponses.Validation(reader.Errors);
        }

        CardInput input = reader.Card(source!.Value);
        var cardErrors = new List<CardFieldError>();
        ValidCard? card = await cardRules.ValidateAsync(tenantId, input, time.GetUtcNow(), cardErrors, cancellationToken);
        reader.AddCardErrors(cardErrors);
        if (card is null || reader.Errors.Count > 0)
        {
            return GuardianResponses.Validation(reader.Errors);
        }

        if (withAlias)
        {
            PciToken? aliased = await aliases.CreateAsync(tenantId, card, new TokenOptions(expiresIn, metadata), GuardianIdempotency.Reply<PciToken>(reservation, GuardianResponses.Token), cancellationToken);
            return aliased is null ? GuardianResponses.Conflict("No free format-preserving alias was found for this card range; try again or use the token id.") : GuardianResponses.Token(aliased);
        }

        PciToken token = await tokens.CreateAsync(tenantId, card, new TokenOptions(expiresIn, metadata), GuardianIdempotency.Reply<PciToken>(reservation, GuardianResponses.Token), cancellationToken);
        return GuardianResponses.Token(token);
    }

    /// <summary>The optional <c>alias</c> object: <c>{"format": "fpe"}</c> is the one format.</summary>
    private static bool ReadAliasOption(GuardianRequestReader reader, JsonElement root)
    {
        if (reader.Object(root, "alias", "$.alias", required: false) is not { } alias)
        {
            return false;
        }

        string? format = reader.String(alias, "format", "$.alias.format", required: true);
        if (format is not null and not "fpe")
        {
            reader.Errors.Add(new("$.alias.format", "Must be fpe."));
        }

        return format is "fpe";
    }

    /// <summary>The answer to a request that opened a session (<c>{"session_id": …}</c>).</summary>
    internal static JsonResponse SessionCreated(SessionRecord session) =>
        GuardianResponses.Json(200, new GuardianSession(session.Id), GuardianJson.Default.GuardianSession);

    private static async Task<JsonResponse> ListAsync(HttpContext http, Caller caller, PciTokenService tokens)
    {
        var errors = new List<GuardianValidationError>();
        int limit = DefaultPageSize;
        Guid? after = null;

        string? limitText = http.Request.Query["limit"];
        if (limitText is not null && (!int.TryParse(limitText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out limit) || limit is < 1 or > PciTokenService.MaxPageSize))
        {
            errors.Add(new("$.query.limit", $"Must be an integer between 1 and {PciTokenService.MaxPageSize}."));
        }

        string? afterText = http.Request.Query["after"];
        if (afterText is not null)
        {
            if (Guid.TryParse(afterText, out Guid cursor))
            {
                after = cursor;
            }
            else
            {
                errors.Add(new("$.query.after", "Must be a token id (UUID)."));
            }
        }

        if (errors.Count > 0)
        {
            return GuardianResponses.Validation(errors);
        }

        PciTokenPage page = await tokens.ListAsync(caller.TenantId, after, limit, http.RequestAborted);
        string? next = page.HasMore ? $"/api/pci/tokens?after={page.Items[^1].Id}&limit={limit}" : null;
        var list = new GuardianTokenList(page.Items.Select(GuardianResponses.ToWire).ToList(), new GuardianLinks(next));
        return GuardianResponses.Json(200, list, GuardianJson.Default.GuardianTokenList);
    }

    private static async Task<JsonResponse> GetAsync(HttpContext http, Caller caller, string id, PciTokenService tokens, PciTokenAliasService aliases)
    {
        if (await aliases.ResolveAsync(caller.TenantId, id, http.RequestAborted) is not Guid tokenId)
        {
            return GuardianResponses.NotFound();
        }

        PciToken? token = await tokens.GetAsync(caller.TenantId, tokenId, http.RequestAborted);
        if (token is null)
        {
            return GuardianResponses.NotFound();
        }

        // Named by its alias: the caller knows it already, so it comes back without another lookup.
        return GuardianResponses.Token(Guid.TryParse(id, out _) ? token : token with { Alias = id });
    }

    private static async Task<JsonResponse> DeleteAsync(HttpContext http, Caller caller, string id, PciTokenService tokens)
    {
        return Guid.TryParse(id, out Guid tokenId) && await tokens.DeleteAsync(caller.TenantId, tokenId, http.RequestAborted)
            ? JsonResponse.NoContent()
            : GuardianResponses.NotFound();
    }

    private static async Task<JsonResponse> GetSecurityCodeAsync(HttpContext http, Caller caller, string id, PciTokenService tokens)
    {
        bool? available = Guid.TryParse(id, out Guid tokenId) ? await tokens.IsSecurityCodeAvailableAsync(caller.TenantId, tokenId, http.RequestAborted) : null;
        return available is bool value
            ? GuardianResponses.Json(200, new GuardianSecurityCodeAvailability(value), GuardianJson.Default.GuardianSecurityCodeAvailability)
            : GuardianResponses.NotFound();
    }

    private static async Task<JsonResponse> CreateSecurityCodeSessionAsync(HttpContext http, Caller caller, string id, SessionService sessions, GuardianIdempotency idempotency)
    {
        if (!Guid.TryParse(id, out Guid tokenId))
        {
            return GuardianResponses.NotFound();
        }

        byte[]? body = await RequestBody.ReadAsync(http.Request, http.RequestAborted);
        if (body is null)
        {
            return GuardianResponses.PayloadTooLarge();
        }

        return await idempotency.RunAsync(http, caller.TenantId, $"POST /api/pci/tokens/{tokenId}/security-code", body, async reservation =>
        {
            SessionRecord? session = await sessions.CreateForSecurityCodeAsync(caller.TenantId, tokenId, http.RequestAborted,
                GuardianIdempotency.Reply<SessionRecord>(reservation, SessionCreated));
            return session is null ? GuardianResponses.NotFound() : SessionCreated(session);
        });
    }

    private static async Task<JsonResponse> DeleteSecurityCodeAsync(HttpContext http, Caller caller, string id, PciTokenService tokens)
    {
        return Guid.TryParse(id, out Guid tokenId) && await tokens.DeleteSecurityCodeAsync(caller.TenantId, tokenId, http.RequestAborted)
            ? JsonResponse.NoContent()
            : GuardianResponses.NotFound();
    }

    /// <summary>Documents the Guardian error responses every endpoint of the group can return.</summary>
    public static RouteGroupBuilder ProducesGuardianErrors(this RouteGroupBuilder group)
    {
        foreach (int status in new[] { 401, 403, 404, 409, 422 })
        {
            group.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(GuardianError), ["application/json"]));
        }

        return group;
    }
}
