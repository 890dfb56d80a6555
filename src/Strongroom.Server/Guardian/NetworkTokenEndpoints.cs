using Strongroom.Server.Hosting.OpenApi;
using System.Text.Json;
using Strongroom.Core.Cards;
using Strongroom.Core.Idempotency;
using Strongroom.Core.Events;
using Strongroom.Core.NetworkTokens;
using Strongroom.Core.Sessions;
using Strongroom.Core.Tenancy;
using Strongroom.Server.Http;

namespace Strongroom.Server.Guardian;

/// <summary>
/// Guardian's network token resource (<c>/api/network/tokens</c>), its lifecycle operations, cryptograms and
/// events, plus the simulator's control surface (<c>/api/simulator/network-tokens</c>) through which tests and
/// integrators play the issuer, the cardholder and the network at authorization.
/// </summary>
internal static class NetworkTokenEndpoints
{
    public static void MapGuardianNetworkTokens(this IEndpointRouteBuilder routes)
    {
        RouteGroupBuilder group = routes.MapGroup("/api/network/tokens")
            .WithTags("network")
            .AddEndpointFilter<GuardianAuthentication>()
            .ProducesGuardianErrors();

        group.MapPost("/", CreateAsync)
            .ReadsBody()
            .RequireRights(VaultRights.TokensCreate)
            .WithName("network_token_create")
            .WithSummary("Create token")
            .WithDescription("Provision a network token from source.type = pan | pci_token (pci_token_id) | session. Visa → vts, Mastercard → mdes, " +
                "American Express and Discover → tms; other schemes are a 422. 409 when the tenant already has a live (not deleted) network token for the card. Honours x-idempotency-key.")
            .Accepts<NetworkTokenCreateRequest>("application/json")
            .Produces<GuardianNetworkToken>(200);
        group.MapGet("/{id}", GetAsync).RequireRights(VaultRights.TokensRead).WithName("network_token_get").WithSummary("Get token").Produces<GuardianNetworkToken>(200);
        group.MapDelete("/{id}", DeleteAsync).RequireRights(VaultRights.TokensDelete).WithName("network_token_delete")
            .WithSummary("Delete token: status becomes deleted (terminal) and the token PAN and card are erased").Produces<GuardianNetworkToken>(200);
        group.MapPost("/{id}/suspend", (HttpContext http, Caller caller, string id, NetworkTokenService tokens, GuardianIdempotency idempotency) =>
                ChangeAsync(http, caller, id, NetworkTokenAction.Suspend, tokens, idempotency))
            .RequireRights(VaultRights.TokensCreate).WithName("network_token_suspend")
            .WithSummary("Suspend the token as the merchant (optional body: reason). Each party's suspension is held separately.")
            .DocumentsBody<NetworkTokenChangeRequest>(isOptional: true)
            .Produces<GuardianNetworkToken>(200);
        group.MapPost("/{id}/resume", (HttpContext http, Caller caller, string id, NetworkTokenService tokens, GuardianIdempotency idempotency) =>
                ChangeAsync(http, caller, id, NetworkTokenAction.Resume, tokens, idempotency))
            .RequireRights(VaultRights.TokensCreate).WithName("network_token_resume")
            .WithSummary("Lift the merchant's suspension; the token is active again only when no other party still suspends it")
            .DocumentsBody<NetworkTokenChangeRequest>(isOptional: true)
            .Produces<GuardianNetworkToken>(200);
        group.MapGet("/{id}/events", EventsAsync).RequireRights(VaultRights.TokensRead).WithName("network_token_events")
            .WithSummary("The token's events: creation, every status change (with party and reason), cryptograms").Produces<GuardianEventList>(200);
        group.MapPost("/{id}/cryptograms", CryptogramAsync).RequireRights(VaultRights.DataOut).WithName("network_token_cryptogram")
            .WithSummary("Request a single-use cryptogram (requires data:out)")
            .WithDescription("Body (all optional): amount (minor units), currency (ISO 4217), mode = value (default: returns cryptogram, eci, type, dynamic_cvv and the token number) " +
                "or reference (returns a short-lived cryptogram_reference to forward).")
            .DocumentsBody<CryptogramRequest>(isOptional: true)
            .Produces<GuardianCryptogram>(200);

        RouteGroupBuilder simulator = routes.MapGroup("/api/simulator/network-tokens")
            .WithTags("simulator")
            .AddEndpointFilter<GuardianAuthentication>()
            .RequireRights(VaultRights.Admin)
            .RequireTenant()
            .ProducesGuardianErrors();
        simulator.MapPost("/{id}/events", SimulateEventAsync).WithName("simulator_network_token_event")
            .WithSummary("Token service simulator: the issuer or cardholder acts on a token (admin token + x-tenant-id)")
            .WithDescription("Body: event = activate | suspend | resume | delete, party = issuer | cardholder, optional reason.")
            .DocumentsBody<SimulatedTokenEventRequest>()
            .Produces<GuardianNetworkToken>(200);
        simulator.MapPost("/{id}/authorize", AuthorizeAsync).WithName("simulator_network_token_authorize")
            .WithSummary("Token service simulator: verify a cryptogram as the network would at authorization (uses it up)")
            .WithDescription("Body: cryptogram, optional amount and currency (as given when it was requested). result = valid | forged | already_used | expired | token_not_active (the token is suspended, inactive or deleted: the network declines).")
            .DocumentsBody<SimulatedAuthorizationRequest>()
            .Produces<GuardianCryptogramVerification>(200);
    }

    private static async Task<JsonResponse> CreateAsync(HttpContext http, RawBody body, Caller caller, NetworkTokenService tokens, SessionService sessions, GuardianIdempotency idempotency, TimeProvider time, CardRulesService cardRules)
    {
        return await idempotency.RunAsync(http, caller.TenantId, "POST /api/network/tokens", body.Bytes, reservation => CreateFromBodyAsync(caller.TenantId, body.Bytes, tokens, sessions, time, cardRules, reservation, http.RequestAborted));
    }

    private static async Task<JsonResponse> CreateFromBodyAsync(
        Guid tenantId, byte[] body, NetworkTokenService tokens, SessionService sessions, TimeProvider time, CardRulesService cardRules, IdempotencyReservation? reservation,
        CancellationToken cancellationToken)
    {
        var reader = new GuardianRequestReader([]);
        using JsonDocument? document = reader.ParseObject(body);
        if (document is null)
        {
            return GuardianResponses.Validation(reader.Errors);
        }

        JsonElement root = document.RootElement;
        Dictionary<string, string>? metadata = reader.Metadata(root);
        JsonElement? source = reader.Object(root, "source", "$.source", required: true);
        string? type = source is { } s ? reader.String(s, "type", "$.source.type", required: true) : null;

        switch (type)
        {
            case "session":
                if (reader.Errors.Count > 0)
                {
                    return GuardianResponses.Validation(reader.Errors);
                }

                SessionRecord session = await sessions.CreateForNetworkTokenAsync(tenantId, metadata, cancellationToken,
                    GuardianIdempotency.Reply<SessionRecord>(reservation, PciTokenEndpoints.SessionCreated));
                return PciTokenEndpoints.SessionCreated(session);

            case "pci_token":
                string? pciTokenText = reader.String(source!.Value, "pci_token_id", "$.source.pci_token_id", required: true);
                Guid pciTokenId = Guid.Empty;
                if (pciTokenText is not null && !Guid.TryParse(pciTokenText, out pciTokenId))
                {
                    reader.Errors.Add(new("$.source.pci_token_id", "Must be a UUID."));
                }

                if (reader.Errors.Count > 0)
                {
                    return GuardianResponses.Validation(reader.Errors);
                }

                return ToResponse(await tokens.CreateFromPciTokenAsync(tenantId, pciTokenId, metadata, cancellationToken,
                    GuardianIdempotency.Reply<NetworkToken>(reservation, GuardianResponses.NetworkToken)), "$.source.pci_token_id");

            case "pan":
                CardInput input = reader.Card(source!.Value);
                var cardErrors = new List<CardFieldError>();
                ValidCard? card = await cardRules.ValidateAsync(tenantId, input, time.GetUtcNow(), cardErrors, cancellationToken);
                reader.AddCardErrors(cardErrors);
                if (card is null || reader.Errors.Count > 0)
                {
                    return GuardianResponses.Validation(reader.Errors);
                }

                return ToResponse(await tokens.CreateAsync(tenantId, card, metadata, null, cancellationToken,
                    reply: GuardianIdempotency.Reply<NetworkToken>(reservation, GuardianResponses.NetworkToken)), "$.source.account_number");

            default:
                if (type is not null)
                {
                    reader.Errors.Add(new("$.source.type", "Must be one of: pan, pci_token, session."));
                }

                return GuardianResponses.Validation(reader.Errors);
        }
    }

    /// <summary>Maps a provisioning result; <paramref name="cardPath"/> names the field a card-level refusal belongs to.</summary>
    private static JsonResponse ToResponse(NetworkTokenResult result, string cardPath) => result.Outcome switch
    {
        NetworkTokenOutcome.Done => GuardianResponses.NetworkToken(result.Token!),
        NetworkTokenOutcome.Conflict => GuardianResponses.Conflict(result.Message!),
        NetworkTokenOutcome.NotFound => GuardianResponses.Validation(cardPath, result.Message ?? "Not found."),
        NetworkTokenOutcome.Declined => GuardianResponses.Validation(cardPath, result.Message ?? "The token service declined provisioning."),
        _ => GuardianResponses.Validation(cardPath, result.Message ?? NetworkTokenService.UnsupportedSchemeMessage),
    };

    private static async Task<JsonResponse> GetAsync(HttpContext http, Caller caller, string id, NetworkTokenService tokens)
    {
        NetworkToken? token = Guid.TryParse(id, out Guid tokenId) ? await tokens.GetAsync(caller.TenantId, tokenId, http.RequestAborted) : null;
        return token is null ? GuardianResponses.NotFound() : GuardianResponses.NetworkToken(token);
    }

    private static async Task<JsonResponse> DeleteAsync(HttpContext http, Caller caller, string id, NetworkTokenService tokens)
    {
        return !Guid.TryParse(id, out Guid tokenId)
            ? GuardianResponses.NotFound()
            : Lifecycle(await tokens.ApplyAsync(caller.TenantId, tokenId, NetworkTokenAction.Delete, SuspensionParties.Merchant, "Deleted by the merchant.", http.RequestAborted));
    }

    private static async Task<JsonResponse> ChangeAsync(HttpContext http, Caller caller, string id, NetworkTokenAction action, NetworkTokenService tokens, GuardianIdempotency idempotency)
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

        string scope = $"POST /api/network/tokens/{tokenId}/{(action == NetworkTokenAction.Suspend ? "suspend" : "resume")}";
        return await idempotency.RunAsync(http, caller.TenantId, scope, body, async reservation =>
        {
            var reader = new GuardianRequestReader([]);
            using JsonDocument? document = body.Length == 0 ? null : reader.ParseObject(body);
            string? reason = document is null ? null : ReadReason(document.RootElement, reader);
            return reader.Errors.Count > 0
                ? GuardianResponses.Validation(reader.Errors)
                : Lifecycle(await tokens.ApplyAsync(caller.TenantId, tokenId, action, SuspensionParties.Merchant, reason, http.RequestAborted,
                    GuardianIdempotency.Reply<NetworkToken>(reservation, GuardianResponses.NetworkToken)));
        });
    }

    private static async Task<JsonResponse> EventsAsync(HttpContext http, Caller caller, string id, NetworkTokenService tokens)
    {
        IReadOnlyList<VaultEvent>? events = Guid.TryParse(id, out Guid tokenId) ? await tokens.ListEventsAsync(caller.TenantId, tokenId, http.RequestAborted) : null;
        if (events is null)
        {
            return GuardianResponses.NotFound();
        }

        var list = new GuardianEventList(events.Select(e =>
        {
            using JsonDocument data = JsonDocument.Parse(e.DataJson);
            return new GuardianEvent(e.Id, e.Type, GuardianResponses.Timestamp(e.CreatedAt), data.RootElement.Clone());
        }).ToList());
        return GuardianResponses.Json(200, list, GuardianJson.Default.GuardianEventList);
    }

    private static async Task<JsonResponse> CryptogramAsync(HttpContext http, Caller caller, string id, NetworkTokenService tokens, GuardianIdempotency idempotency)
    {
        Guid tenantId = caller.TenantId;
        if (!Guid.TryParse(id, out Guid tokenId))
        {
            return GuardianResponses.NotFound();
        }

        byte[]? body = await RequestBody.ReadAsync(http.Request, http.RequestAborted);
        if (body is null)
        {
            return GuardianResponses.PayloadTooLarge();
        }

        return await idempotency.RunAsync(http, tenantId, $"POST /api/network/tokens/{tokenId}/cryptograms", body, async reservation =>
        {
            var reader = new GuardianRequestReader([]);
            (long? amount, string? currency) = (null, null);
            bool referenceMode = false;
            if (body.Length > 0)
            {
                using JsonDocument? document = reader.ParseObject(body);
                if (document is not null)
                {
                    (amount, currency) = ReadAmount(document.RootElement, reader);
                    string? mode = reader.String(document.RootElement, "mode", "$.mode", required: false);
                    if (mode is not null and not "value" and not "reference")
                    {
                        reader.Errors.Add(new("$.mode", "Must be one of: value, reference."));
                    }

                    referenceMode = mode == "reference";
                }
            }

            if (reader.Errors.Count > 0)
            {
                return GuardianResponses.Validation(reader.Errors);
            }

            CryptogramResult result = await tokens.CreateCryptogramAsync(tenantId, tokenId, amount, currency, referenceMode, http.GuardianActor(), http.RequestAborted,
                GuardianIdempotency.Reply<IssuedCryptogram>(reservation, CryptogramIssued));
            if (result.Outcome == NetworkTokenOutcome.NotFound)
            {
                return GuardianResponses.NotFound();
            }

            if (result.Outcome != NetworkTokenOutcome.Done)
            {
                return GuardianResponses.Conflict(result.Message ?? "Conflict");
            }

            return CryptogramIssued(result.Cryptogram!);
        });
    }

    private static JsonResponse CryptogramIssued(IssuedCryptogram c)
    {
        var wire = new GuardianCryptogram(
            c.Material?.Cryptogram, c.Material?.Eci, c.Material?.Type, c.Material?.DynamicCvv, c.TokenPan,
            c.TokenExpiryMonth, c.TokenExpiryYear, c.Reference, GuardianResponses.Timestamp(c.ExpiresAt));
        return GuardianResponses.Json(200, wire, GuardianJson.Default.GuardianCryptogram);
    }

    private static async Task<JsonResponse> SimulateEventAsync(HttpContext http, Caller caller, string id, NetworkTokenService tokens)
    {
        Guid tenantId = caller.TenantId;
        if (!Guid.TryParse(id, out Guid tokenId))
        {
            return GuardianResponses.NotFound();
        }

        var reader = new GuardianRequestReader([]);
        (JsonDocument? document, JsonResponse? failure) = await reader.ReadObjectAsync(http);
        if (document is null)
        {
            return failure!;
        }

        using JsonDocument disposeDocument = document;
        string? eventName = reader.String(document.RootElement, "event", "$.event", required: true);
        string? partyName = reader.String(document.RootElement, "party", "$.party", required: true);
        string? reason = ReadReason(document.RootElement, reader);
        NetworkTokenAction? action = eventName switch
        {
            "activate" => NetworkTokenAction.Activate,
            "suspend" => NetworkTokenAction.Suspend,
            "resume" => NetworkTokenAction.Resume,
            "delete" => NetworkTokenAction.Delete,
            _ => null,
        };
        SuspensionParties? party = NetworkTokenNames.ParseParty(partyName);
        if (eventName is not null && action is null)
        {
            reader.Errors.Add(new("$.event", "Must be one of: activate, suspend, resume, delete."));
        }

        if (partyName is not null && party is not (SuspensionParties.Issuer or SuspensionParties.Cardholder))
        {
            reader.Errors.Add(new("$.party", "Must be one of: issuer, cardholder."));
        }

        if (reader.Errors.Count > 0)
        {
            return GuardianResponses.Validation(reader.Errors);
        }

        return Lifecycle(await tokens.SimulateEventAsync(tenantId, tokenId, action!.Value, party!.Value, reason ?? $"Simulated {eventName} by the {partyName}.", http.GuardianActor(), http.RequestAborted));
    }

    private static async Task<JsonResponse> AuthorizeAsync(HttpContext http, Caller caller, string id, NetworkTokenService tokens)
    {
        Guid tenantId = caller.TenantId;
        if (!Guid.TryParse(id, out Guid tokenId))
        {
            return GuardianResponses.NotFound();
        }

        var reader = new GuardianRequestReader([]);
        (JsonDocument? document, JsonResponse? failure) = await reader.ReadObjectAsync(http);
        if (document is null)
        {
            return failure!;
        }

        using JsonDocument disposeDocument = document;
        string? cryptogram = reader.String(document.RootElement, "cryptogram", "$.cryptogram", required: true);
        (long? amount, string? currency) = ReadAmount(document.RootElement, reader);
        if (reader.Errors.Count > 0)
        {
            return GuardianResponses.Validation(reader.Errors);
        }

        CryptogramCheck? check = await tokens.AuthorizeCryptogramAsync(tenantId, tokenId, cryptogram!, amount, currency, http.GuardianActor(), http.RequestAborted);
        if (check is not { } verdict)
        {
            return GuardianResponses.NotFound();
        }

        return GuardianResponses.Json(200, new GuardianCryptogramVerification(verdict == CryptogramCheck.Valid, verdict.WireName()), GuardianJson.Default.GuardianCryptogramVerification);
    }

    private static JsonResponse Lifecycle(NetworkTokenResult result) => result.Outcome switch
    {
        NetworkTokenOutcome.Done => GuardianResponses.NetworkToken(result.Token!),
        NetworkTokenOutcome.NotFound => GuardianResponses.NotFound(),
        _ => GuardianResponses.Conflict(result.Message ?? "Conflict"),
    };

    /// <summary>An optional <c>reason</c> (≤ 200 characters, no card data).</summary>
    private static string? ReadReason(JsonElement root, GuardianRequestReader reader)
    {
        string? reason = reader.String(root, "reason", "$.reason", required: false);
        if (reason is { Length: > 200 })
        {
            reader.Errors.Add(new("$.reason", "Must be at most 200 characters."));
            return null;
        }

        if (reason is not null && PanDetector.ContainsPan(reason))
        {
            reader.Errors.Add(new("$.reason", "Must not contain a card number."));
            return null;
        }

        return reason;
    }

    private static (long? Amount, string? Currency) ReadAmount(JsonElement root, GuardianRequestReader reader)
    {
        long? amount = reader.Long(root, "amount", "$.amount", required: false);
        if (amount is < 0)
        {
            reader.Errors.Add(new("$.amount", "Must be zero or more (minor units)."));
        }

        string? currency = reader.String(root, "currency", "$.currency", required: false);
        if (currency is not null && (currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper)))
        {
            reader.Errors.Add(new("$.currency", "Must be an ISO 4217 code such as EUR."));
        }

        return (amount, currency);
    }
}
