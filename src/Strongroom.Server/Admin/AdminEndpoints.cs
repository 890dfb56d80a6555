using Strongroom.Server.Hosting.OpenApi;
using System.Text.Json;
using System.Text.Json.Serialization;
using Strongroom.Core.Cards;
using Strongroom.Core.Sessions;
using Strongroom.Core.Tenancy;
using Strongroom.Server.Guardian;
using Strongroom.Server.Http;

namespace Strongroom.Server.Admin;

internal sealed record TenantResponse(Guid Id, string Name, string CreatedAt);

internal sealed record TenantListResponse(IReadOnlyList<TenantResponse> Data);

internal sealed record ApiKeyResponse(
    string Id,
    Guid TenantId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Name,
    IReadOnlyList<string> Scopes,
    string CreatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ExpiresAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RevokedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Key);

internal sealed record ApiKeyListResponse(IReadOnlyList<ApiKeyResponse> Data);

internal sealed record HostedFormSettingsResponse(Guid TenantId, IReadOnlyList<string> AllowedOrigins);

internal sealed record SigningKeyResponse(Guid Id, Guid TenantId, int Type, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Title, string ApiKey, string ApiSecret);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(TenantResponse))]
[JsonSerializable(typeof(TenantListResponse))]
[JsonSerializable(typeof(ApiKeyResponse))]
[JsonSerializable(typeof(ApiKeyListResponse))]
[JsonSerializable(typeof(SigningKeyResponse))]
[JsonSerializable(typeof(HostedFormSettingsResponse))]
[JsonSerializable(typeof(CardRulesResponse))]
internal sealed partial class AdminJson : JsonSerializerContext;

/// <summary>
/// Instance administration in the Guardian style: tenants and their API keys. Only the admin token
/// may call these; a tenant API key gets 403.
/// </summary>
internal static class AdminEndpoints
{
    public static RouteGroupBuilder MapAdmin(this IEndpointRouteBuilder routes)
    {
        RouteGroupBuilder group = routes.MapGroup("/api/admin")
            .WithTags("admin")
            .AddEndpointFilter<GuardianAuthentication>()
            .RequireRights(VaultRights.Admin)
            .ProducesGuardianErrors();

        group.MapPost("/tenants", CreateTenantAsync).WithName("admin_tenant_create").WithSummary("Create a tenant (with its own data and fingerprint keys)").DocumentsBody<TenantCreateRequest>().Produces<TenantResponse>(201);
        group.MapGet("/tenants", ListTenantsAsync).WithName("admin_tenant_list").WithSummary("List tenants").Produces<TenantListResponse>(200);
        group.MapPost("/api-keys", CreateApiKeyAsync).WithName("admin_api_key_create")
            .WithSummary("Create a tenant API key; the key is shown only in this response")
            .WithDescription("Body: tenant_id, optional name, scopes (tokens:create, tokens:read, tokens:delete, data:out; default the first three), expires_in (1..7776000 s).")
            .DocumentsBody<ApiKeyCreateRequest>()
            .Produces<ApiKeyResponse>(201);
        group.MapPost("/signing-keys", CreateSigningKeyAsync).WithName("admin_signing_key_create")
            .WithSummary("Create a WhiteBIT-style signing key (X-TXC-APIKEY + HMAC secret) for an account; the secret is shown only here")
            .WithDescription("Body: tenant_id, type (1 or 2), optional title. A key of a top-level account can then create sub-accounts and their keys through the signed /api/v4 endpoints.")
            .DocumentsBody<SigningKeyCreateRequest>()
            .Produces<SigningKeyResponse>(201);
        group.MapGet("/tenants/{tenantId}/api-keys", ListApiKeysAsync).WithName("admin_api_key_list").WithSummary("List a tenant's API keys (never their secrets)").Produces<ApiKeyListResponse>(200);
        group.MapGet("/tenants/{tenantId}/hosted-form", GetHostedFormAsync).WithName("admin_hosted_form_get")
            .WithSummary("The tenant's hosted card form settings").Produces<HostedFormSettingsResponse>(200);
        group.MapPut("/tenants/{tenantId}/hosted-form", PutHostedFormAsync).WithName("admin_hosted_form_put")
            .WithSummary("Set the origins allowed to frame the tenant's hosted form, receive its postMessage, be its return_url and call its completion endpoint (CORS)")
            .WithDescription($"Body: allowed_origins, up to {HostedFormOrigins.MaxOrigins} exact origins (https://host[:port]; http only for loopback). An empty list forbids framing.")
            .DocumentsBody<HostedFormSettingsRequest>()
            .Produces<HostedFormSettingsResponse>(200);
        group.MapDelete("/tenants/{tenantId}/api-keys/{keyId}", RevokeApiKeyAsync).WithName("admin_api_key_revoke").WithSummary("Revoke an API key").Produces(204);
        return group;
    }

    private static async Task<JsonResponse> CreateTenantAsync(HttpContext http, TenantService tenants)
    {
        byte[]? body = await RequestBody.ReadAsync(http.Request, http.RequestAborted);
        if (body is null)
        {
            return GuardianResponses.PayloadTooLarge();
        }

        var reader = new GuardianRequestReader([]);
        using JsonDocument? document = reader.ParseObject(body);
        string? name = document is null ? null : reader.String(document.RootElement, "name", "$.name", required: true);
        if (document is not null && name is not null && Tenant.ValidateName(name) is { } nameError)
        {
            reader.Errors.Add(new("$.name", nameError));
        }

        if (reader.Errors.Count > 0)
        {
            return GuardianResponses.Validation(reader.Errors);
        }

        Tenant tenant = await tenants.CreateAsync(name!, http.GuardianActor(), http.RequestAborted);
        return GuardianResponses.Json(201, ToWire(tenant), AdminJson.Default.TenantResponse);
    }

    private static async Task<JsonResponse> ListTenantsAsync(HttpContext http, TenantService tenants)
    {
        IReadOnlyList<Tenant> all = await tenants.ListAsync(http.RequestAborted);
        return GuardianResponses.Json(200, new TenantListResponse(all.Select(ToWire).ToList()), AdminJson.Default.TenantListResponse);
    }

    private static async Task<JsonResponse> CreateApiKeyAsync(HttpContext http, ApiKeyService apiKeys, TenantService tenants)
    {
        var reader = new GuardianRequestReader([]);
        (JsonDocument? document, JsonResponse? failure) = await reader.ReadObjectAsync(http);
        if (document is null)
        {
            return failure!;
        }

        using JsonDocument disposeDocument = document;
        JsonElement root = document.RootElement;
        Guid tenantId = ReadTenantId(root, reader);

        string? name = reader.String(root, "name", "$.name", required: false);
        if (name is { Length: > ApiKeyService.MaxNameLength })
        {
            reader.Errors.Add(new("$.name", $"Must be at most {ApiKeyService.MaxNameLength} characters."));
        }
        else if (FreeText.CardNumberError(name) is { } nameError)
        {
            reader.Errors.Add(new("$.name", nameError));
        }

        int? expiresIn = reader.Integer(root, "expires_in", "$.expires_in", required: false);
        if (expiresIn is < 1 or > ApiKeyService.MaxExpiresInSeconds)
        {
            reader.Errors.Add(new("$.expires_in", $"Must be between 1 and {ApiKeyService.MaxExpiresInSeconds} seconds."));
        }

        VaultRights rights = ReadScopes(root, reader);
        if (reader.Errors.Count > 0)
        {
            return GuardianResponses.Validation(reader.Errors);
        }

        if (await tenants.GetAsync(tenantId, http.RequestAborted) is null)
        {
            return GuardianResponses.Validation("$.tenant_id", "No such tenant.");
        }

        IssuedApiKey issued = await apiKeys.CreateAsync(tenantId, name, rights, expiresIn, http.GuardianActor(), http.RequestAborted);
        return GuardianResponses.Json(201, ToWire(issued.Record, issued.Key), AdminJson.Default.ApiKeyResponse);
    }

    private static async Task<JsonResponse> CreateSigningKeyAsync(HttpContext http, SigningKeyService signingKeys, TenantService tenants)
    {
        var reader = new GuardianRequestReader([]);
        (JsonDocument? document, JsonResponse? failure) = await reader.ReadObjectAsync(http);
        if (document is null)
        {
            return failure!;
        }

        using JsonDocument disposeDocument = document;
        JsonElement root = document.RootElement;
        Guid tenantId = ReadTenantId(root, reader);

        int? type = reader.Integer(root, "type", "$.type", required: true);
        if (type is not null && !SigningKeyService.IsValidType(type.Value))
        {
            reader.Errors.Add(new("$.type", "Must be 1 or 2."));
        }

        string? title = reader.String(root, "title", "$.title", required: false);
        if (title is { Length: > SigningKeyService.MaxTitleLength })
        {
            reader.Errors.Add(new("$.title", $"Must be at most {SigningKeyService.MaxTitleLength} characters."));
        }
        else if (FreeText.CardNumberError(title) is { } titleError)
        {
            reader.Errors.Add(new("$.title", titleError));
        }

        if (reader.Errors.Count > 0)
        {
            return GuardianResponses.Validation(reader.Errors);
        }

        if (await tenants.GetAsync(tenantId, http.RequestAborted) is null)
        {
            return GuardianResponses.Validation("$.tenant_id", "No such tenant.");
        }

        try
        {
            IssuedSigningKey issued = await signingKeys.CreateAsync(tenantId, type!.Value, title, http.GuardianActor(), http.RequestAborted);
            SigningKeyRecord key = issued.Record;
            return GuardianResponses.Json(201, new SigningKeyResponse(key.Id, key.TenantId, key.Type, key.Title, key.PublicKey, issued.Secret), AdminJson.Default.SigningKeyResponse);
        }
        catch (SigningKeyLimitException)
        {
            return GuardianResponses.Validation("$.tenant_id", $"The tenant already has {SigningKeyService.MaxKeysPerTenant} signing keys.");
        }
    }

    /// <summary>The tenant a <c>/tenants/{tenantId}</c> route names, when it is a UUID of an existing tenant; null answers 404.</summary>
    internal static async Task<Guid?> ExistingTenantAsync(string tenantId, TenantService tenants, CancellationToken cancellationToken) =>
        Guid.TryParse(tenantId, out Guid id) && await tenants.GetAsync(id, cancellationToken) is not null ? id : null;

    private static async Task<JsonResponse> ListApiKeysAsync(HttpContext http, string tenantId, ApiKeyService apiKeys, TenantService tenants)
    {
        if (await ExistingTenantAsync(tenantId, tenants, http.RequestAborted) is not Guid id)
        {
            return GuardianResponses.NotFound();
        }

        IReadOnlyList<ApiKeyRecord> keys = await apiKeys.ListAsync(id, http.RequestAborted);
        return GuardianResponses.Json(200, new ApiKeyListResponse(keys.Select(k => ToWire(k, null)).ToList()), AdminJson.Default.ApiKeyListResponse);
    }

    private static async Task<JsonResponse> RevokeApiKeyAsync(HttpContext http, string tenantId, string keyId, ApiKeyService apiKeys)
    {
        if (!Guid.TryParse(tenantId, out Guid id) || !await apiKeys.RevokeAsync(id, keyId, http.GuardianActor(), http.RequestAborted))
        {
            return GuardianResponses.NotFound();
        }

        return JsonResponse.NoContent();
    }

    private static async Task<JsonResponse> GetHostedFormAsync(HttpContext http, string tenantId, TenantService tenants, SessionService sessions)
    {
        if (await ExistingTenantAsync(tenantId, tenants, http.RequestAborted) is not Guid id)
        {
            return GuardianResponses.NotFound();
        }

        IReadOnlyList<string> origins = await sessions.GetAllowedOriginsAsync(id, http.RequestAborted);
        return GuardianResponses.Json(200, new HostedFormSettingsResponse(id, origins), AdminJson.Default.HostedFormSettingsResponse);
    }

    private static async Task<JsonResponse> PutHostedFormAsync(HttpContext http, string tenantId, TenantService tenants, SessionService sessions)
    {
        if (await ExistingTenantAsync(tenantId, tenants, http.RequestAborted) is not Guid id)
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
        var origins = new List<string>();
        if (!document.RootElement.TryGetProperty("allowed_origins", out JsonElement list) || list.ValueKind != JsonValueKind.Array)
        {
            reader.Errors.Add(new("$.allowed_origins", "Must be an array of origins."));
        }
        else if (list.GetArrayLength() > HostedFormOrigins.MaxOrigins)
        {
            reader.Errors.Add(new("$.allowed_origins", $"At most {HostedFormOrigins.MaxOrigins} origins."));
        }
        else
        {
            int index = 0;
            foreach (JsonElement item in list.EnumerateArray())
            {
                string path = $"$.allowed_origins[{index++}]";
                if (item.ValueKind != JsonValueKind.String)
                {
                    reader.Errors.Add(new(path, "Must be a string."));
                }
                else if (!HostedFormOrigins.TryNormalize(item.GetString(), out string origin, out string? error))
                {
                    reader.Errors.Add(new(path, error!));
                }
                else if (!origins.Contains(origin, StringComparer.Ordinal))
                {
                    origins.Add(origin);
                }
            }
        }

        if (reader.Errors.Count > 0)
        {
            return GuardianResponses.Validation(reader.Errors);
        }

        await sessions.SetAllowedOriginsAsync(id, origins, http.GuardianActor(), http.RequestAborted);
        return GuardianResponses.Json(200, new HostedFormSettingsResponse(id, origins), AdminJson.Default.HostedFormSettingsResponse);
    }

    /// <summary>The required <c>tenant_id</c> (Guid.Empty plus a validation error when missing or malformed).</summary>
    private static Guid ReadTenantId(JsonElement root, GuardianRequestReader reader)
    {
        string? text = reader.String(root, "tenant_id", "$.tenant_id", required: true);
        Guid tenantId = Guid.Empty;
        if (text is not null && !Guid.TryParse(text, out tenantId))
        {
            reader.Errors.Add(new("$.tenant_id", "Must be a tenant id (UUID)."));
        }

        return tenantId;
    }

    private static VaultRights ReadScopes(JsonElement root, GuardianRequestReader reader)
    {
        if (!root.TryGetProperty("scopes", out JsonElement scopes) || scopes.ValueKind == JsonValueKind.Null)
        {
            return VaultRights.DefaultApiKey;
        }

        if (scopes.ValueKind != JsonValueKind.Array || scopes.GetArrayLength() == 0)
        {
            reader.Errors.Add(new("$.scopes", $"Must be a non-empty array of: {string.Join(", ", VaultRightNames.All)}."));
            return VaultRights.None;
        }

        VaultRights rights = VaultRights.None;
        int index = 0;
        foreach (JsonElement scope in scopes.EnumerateArray())
        {
            if (scope.ValueKind == JsonValueKind.String && VaultRightNames.TryParse(scope.GetString()!, out VaultRights right))
            {
                rights |= right;
            }
            else
            {
                reader.Errors.Add(new($"$.scopes[{index}]", $"Must be one of: {string.Join(", ", VaultRightNames.All)}."));
            }

            index++;
        }

        return rights;
    }

    private static TenantResponse ToWire(Tenant tenant) => new(tenant.Id, tenant.Name, GuardianResponses.Timestamp(tenant.CreatedAt));

    private static ApiKeyResponse ToWire(ApiKeyRecord key, string? secretKey) => new(
        key.Id,
        key.TenantId,
        key.Name,
        VaultRightNames.ToNames(key.Rights),
        GuardianResponses.Timestamp(key.CreatedAt),
        key.ExpiresAt is { } expires ? GuardianResponses.Timestamp(expires) : null,
        key.RevokedAt is { } revoked ? GuardianResponses.Timestamp(revoked) : null,
        secretKey);
}
