using Strongroom.Server.Hosting.OpenApi;
using System.Text.Json;
using Strongroom.Core.Cards;
using Strongroom.Core.Tenancy;
using Strongroom.Server.Guardian;
using Strongroom.Server.Http;

namespace Strongroom.Server.Admin;

internal sealed record CardRulesResponse(Guid TenantId, bool SchemeSecurityCodeLengths);

/// <summary>
/// A tenant's optional card rules (admin only), stricter than the API contract and all off by default. Today one rule:
/// <c>scheme_security_code_lengths</c> (4-digit security codes for American Express, 3 for other schemes; the default accepts
/// 3 or 4 digits for every scheme, as Guardian's schema does).
/// </summary>
internal static class CardRulesEndpoints
{
    private const string SchemeLengths = "scheme_security_code_lengths";

    public static void MapCardRulesAdmin(this IEndpointRouteBuilder routes)
    {
        RouteGroupBuilder group = routes.MapGroup("/api/admin/tenants/{tenantId}/card-rules")
            .WithTags("admin")
            .AddEndpointFilter<GuardianAuthentication>()
            .RequireRights(VaultRights.Admin)
            .ProducesGuardianErrors();
        group.MapGet("/", GetAsync).WithName("admin_card_rules_get").WithSummary("The tenant's optional card rules").Produces<CardRulesResponse>(200);
        group.MapPut("/", PutAsync).WithName("admin_card_rules_put")
            .WithSummary("Set the tenant's optional card rules")
            .WithDescription($"Body: {SchemeLengths} (boolean, default false): require 4-digit security codes for American Express and 3 for other schemes.")
            .DocumentsBody<CardRulesRequest>()
            .Produces<CardRulesResponse>(200);
    }

    private static async Task<JsonResponse> GetAsync(HttpContext http, string tenantId, TenantService tenants, CardRulesService cardRules)
    {
        if (await AdminEndpoints.ExistingTenantAsync(tenantId, tenants, http.RequestAborted) is not Guid id)
        {
            return GuardianResponses.NotFound();
        }

        CardRules rules = await cardRules.GetAsync(id, http.RequestAborted);
        return GuardianResponses.Json(200, new CardRulesResponse(id, rules.SchemeSecurityCodeLengths), AdminJson.Default.CardRulesResponse);
    }

    private static async Task<JsonResponse> PutAsync(HttpContext http, string tenantId, TenantService tenants, CardRulesService cardRules)
    {
        if (await AdminEndpoints.ExistingTenantAsync(tenantId, tenants, http.RequestAborted) is not Guid id)
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
        bool schemeLengths = JsonFields.Boolean(document.RootElement, SchemeLengths, out bool value) switch
        {
            JsonFieldState.Present => value,
            JsonFieldState.WrongType => Invalid(reader),
            _ => false,
        };
        if (reader.Errors.Count > 0)
        {
            return GuardianResponses.Validation(reader.Errors);
        }

        await cardRules.SetAsync(id, new CardRules(schemeLengths), http.GuardianActor(), http.RequestAborted);
        return GuardianResponses.Json(200, new CardRulesResponse(id, schemeLengths), AdminJson.Default.CardRulesResponse);
    }

    private static bool Invalid(GuardianRequestReader reader)
    {
        reader.Errors.Add(new("$." + SchemeLengths, "Must be a boolean."));
        return false;
    }
}
