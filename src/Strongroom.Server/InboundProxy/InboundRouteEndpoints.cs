using System.Text.Json;
using Strongroom.Core.Audit;
using Strongroom.Core.InboundRoutes;
using Strongroom.Core.Tenancy;
using Strongroom.Server.Admin;
using Strongroom.Server.Guardian;
using Strongroom.Server.Http;

namespace Strongroom.Server.InboundProxy;

/// <summary>A tenant's inbound routes (admin only): list, create, read, delete. Every change is audited by the service.</summary>
internal static class InboundRouteEndpoints
{
    private const string CreateDescription =
        "Body: prefix (the route answers under /inbound/{prefix}/…; unique across the vault), upstream_url (https base URL of the merchant's API, on the tenant's " +
        "forwarding allowlist), method (POST, PUT or PATCH; default POST), path_pattern (relative to the prefix: literals, * for one segment, a final ** for the rest; " +
        "default /**), content_type (json or form; default json), fields {account_number, expiry_month, expiry_year, security_code?, cardholder_name?} (JSON paths " +
        "such as $.card.number for json, field names for form), replacement (token_id or fpe_alias; default token_id), unmatched (pass_through or refuse; default refuse), " +
        "error_shape (guardian or problem; default guardian), max_body_bytes (1024..1048576, default 65536), rate_limit_per_minute (1..100000, default 600), " +
        "timeout_seconds (1..120, default 30). 409 when the prefix is taken.";

    public static void MapInboundRouteAdmin(this IEndpointRouteBuilder routes)
    {
        RouteGroupBuilder group = routes.MapGroup("/api/admin/tenants/{tenantId}/inbound-routes")
            .WithTags("admin")
            .AddEndpointFilter<GuardianAuthentication>()
            .RequireRights(VaultRights.Admin)
            .ProducesGuardianErrors();
        group.MapGet("/", ListAsync).WithName("admin_inbound_routes_list").WithSummary("The tenant's inbound routes").Produces<InboundRouteListWire>(200);
        group.MapPost("/", CreateAsync).ReadsBody().WithName("admin_inbound_routes_create").WithSummary("Create an inbound route")
            .WithDescription(CreateDescription).Accepts<JsonElement>("application/json").Produces<InboundRouteWire>(201).Produces(413);
        group.MapGet("/{routeId}", GetAsync).WithName("admin_inbound_routes_get").WithSummary("One inbound route").Produces<InboundRouteWire>(200);
        group.MapDelete("/{routeId}", DeleteAsync).WithName("admin_inbound_routes_delete").WithSummary("Delete an inbound route (every node stops using it within the reload interval)")
            .Produces(204);
    }

    private static async Task<JsonResponse> ListAsync(HttpContext http, string tenantId, TenantService tenants, InboundRouteService routes)
    {
        if (await AdminEndpoints.ExistingTenantAsync(tenantId, tenants, http.RequestAborted) is not Guid id)
        {
            return GuardianResponses.NotFound();
        }

        IReadOnlyList<InboundRoute> list = await routes.ListAsync(id, http.RequestAborted);
        return GuardianResponses.Json(200, new InboundRouteListWire([.. list.Select(InboundRouteWire.Of)]), InboundRouteAdminJson.Default.InboundRouteListWire);
    }

    private static async Task<JsonResponse> GetAsync(HttpContext http, string tenantId, string routeId, TenantService tenants, InboundRouteService routes)
    {
        if (await AdminEndpoints.ExistingTenantAsync(tenantId, tenants, http.RequestAborted) is not Guid id || !Guid.TryParse(routeId, out Guid route))
        {
            return GuardianResponses.NotFound();
        }

        InboundRoute? found = (await routes.ListAsync(id, http.RequestAborted)).FirstOrDefault(r => r.Id == route);
        return found is null ? GuardianResponses.NotFound() : GuardianResponses.Json(200, InboundRouteWire.Of(found), InboundRouteAdminJson.Default.InboundRouteWire);
    }

    private static async Task<JsonResponse> CreateAsync(HttpContext http, string tenantId, RawBody body, Caller caller, TenantService tenants, InboundRouteService routes, InboundRouteTable table)
    {
        if (await AdminEndpoints.ExistingTenantAsync(tenantId, tenants, http.RequestAborted) is not Guid id)
        {
            return GuardianResponses.NotFound();
        }

        var reader = new GuardianRequestReader([]);
        using JsonDocument? document = reader.ParseObject(body.Bytes);
        if (document is null)
        {
            return GuardianResponses.Validation(reader.Errors);
        }

        InboundRouteDraft draft = ReadDraft(reader, document.RootElement);
        if (reader.Errors.Count > 0)
        {
            return GuardianResponses.Validation(reader.Errors);
        }

        InboundRouteCreation created = await routes.CreateAsync(id, draft, Actor.Of(caller.Principal), http.RequestAborted);
        if (created.Route is null)
        {
            return created.PrefixTaken
                ? GuardianResponses.Conflict("The prefix is taken.")
                : GuardianResponses.Validation([.. created.Errors.Select(e => new GuardianValidationError(e.Path, e.Message))]);
        }

        await table.ReloadAsync(http.RequestAborted);
        return GuardianResponses.Json(201, InboundRouteWire.Of(created.Route), InboundRouteAdminJson.Default.InboundRouteWire);
    }

    private static async Task<JsonResponse> DeleteAsync(HttpContext http, string tenantId, string routeId, Caller caller, TenantService tenants, InboundRouteService routes, InboundRouteTable table)
    {
        if (await AdminEndpoints.ExistingTenantAsync(tenantId, tenants, http.RequestAborted) is not Guid id || !Guid.TryParse(routeId, out Guid route)
            || !await routes.DeleteAsync(id, route, Actor.Of(caller.Principal), http.RequestAborted))
        {
            return GuardianResponses.NotFound();
        }

        await table.ReloadAsync(http.RequestAborted);
        return JsonResponse.NoContent();
    }

    private static InboundRouteDraft ReadDraft(GuardianRequestReader reader, JsonElement root)
    {
        JsonElement? fields = reader.Object(root, "fields", "$.fields", required: true);
        string? Field(string name) => fields is { } f ? reader.String(f, name, "$.fields." + name, required: false) : null;
        return new InboundRouteDraft
        {
            Prefix = reader.String(root, "prefix", "$.prefix", required: true),
            UpstreamUrl = reader.String(root, "upstream_url", "$.upstream_url", required: true),
            Method = reader.String(root, "method", "$.method", required: false),
            PathPattern = reader.String(root, "path_pattern", "$.path_pattern", required: false),
            ContentType = reader.String(root, "content_type", "$.content_type", required: false),
            AccountNumberField = Field("account_number"),
            ExpiryMonthField = Field("expiry_month"),
            ExpiryYearField = Field("expiry_year"),
            SecurityCodeField = Field("security_code"),
            CardholderNameField = Field("cardholder_name"),
            Replacement = reader.String(root, "replacement", "$.replacement", required: false),
            Unmatched = reader.String(root, "unmatched", "$.unmatched", required: false),
            ErrorShape = reader.String(root, "error_shape", "$.error_shape", required: false),
            MaxBodyBytes = reader.Integer(root, "max_body_bytes", "$.max_body_bytes", required: false),
            RateLimitPerMinute = reader.Integer(root, "rate_limit_per_minute", "$.rate_limit_per_minute", required: false),
            TimeoutSeconds = reader.Integer(root, "timeout_seconds", "$.timeout_seconds", required: false),
        };
    }
}
