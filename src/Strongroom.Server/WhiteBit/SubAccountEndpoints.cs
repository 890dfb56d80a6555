using Strongroom.Server.Hosting.OpenApi;
using System.Text.Json;
using Strongroom.Core.Cards;
using Strongroom.Core.Tenancy;
using Strongroom.Server.Guardian;
using Strongroom.Server.Http;

namespace Strongroom.Server.WhiteBit;

/// <summary>
/// WhiteBIT v4 sub-accounts and sub-account API keys. Every call is a signed POST by a key of the
/// (top-level) account; a sub-account id that is not the caller's own is reported as invalid, exactly
/// like one that does not exist.
/// </summary>
internal static class SubAccountEndpoints
{
    public const string CreateSubAccountPath = "/api/v4/sub-account/create";
    public const string ListSubAccountsPath = "/api/v4/sub-account/list";
    public const string CreateKeyPath = "/api/v4/sub-account/api-key/create";
    public const string ListKeysPath = "/api/v4/sub-account/api-key/list";
    public const string EditKeyPath = "/api/v4/sub-account/api-key/edit";
    public const string DeleteKeyPath = "/api/v4/sub-account/api-key/delete";
    public const string ResetKeyPath = "/api/v4/sub-account/api-key/reset";

    /// <summary>The endpoints a restricted key may be limited to, with WhiteBIT-style titles.</summary>
    public static readonly IReadOnlyDictionary<string, string> KnownEndpoints = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [CreateSubAccountPath] = "Create Sub-Account",
        [ListSubAccountsPath] = "List of Sub-Accounts",
        [CreateKeyPath] = "Create Sub-Account API Key",
        [ListKeysPath] = "List Sub-Account API Keys",
        [EditKeyPath] = "Edit Sub-Account API Key",
        [DeleteKeyPath] = "Delete Sub-Account API Key",
        [ResetKeyPath] = "Reset Sub-Account API Key",
        [JwtEndpoints.Path] = "Issue JWT token",
    };

    private const string InvalidSubAccount = "The selected sub account id is invalid.";
    private const string InvalidApiKeyId = "The selected api key id is invalid.";

    public static RouteGroupBuilder MapWhiteBitSubAccounts(this IEndpointRouteBuilder routes)
    {
        RouteGroupBuilder group = routes.MapGroup("/api/v4/sub-account")
            .WithTags("whitebit")
            .AddEndpointFilter<WhiteBitAuthentication>()
            .RequireRights(VaultRights.AccountManage)
            .WithMetadata(new ProducesResponseTypeMetadata(400, typeof(WhiteBitError), ["application/json"]))
            .WithMetadata(new ProducesResponseTypeMetadata(401, typeof(WhiteBitError), ["application/json"]))
            .WithMetadata(new ProducesResponseTypeMetadata(403, typeof(WhiteBitError), ["application/json"]));

        group.MapPost("/create", CreateSubAccountAsync).WithName("createSubAccount").WithSummary("Create Sub-Account (body: alias)").DocumentsBody<SubAccountCreateRequest>().Produces<WhiteBitSubAccount>(201);
        group.MapPost("/list", ListSubAccountsAsync).WithName("listSubAccounts").WithSummary("List of Sub-Accounts (body: limit, offset)").DocumentsBody<SubAccountListRequest>().Produces<WhiteBitSubAccountList>(200);
        group.MapPost("/api-key/create", CreateKeyAsync).WithName("createSubAccountApiKey").WithSummary("Create Sub-Account API Key (body: type 1|2, subAccountId, title)").DocumentsBody<SubAccountApiKeyCreateRequest>().Produces<WhiteBitApiKey>(201);
        group.MapPost("/api-key/list", ListKeysAsync).WithName("listSubAccountApiKeys").WithSummary("List Sub-Account API Keys (secrets are empty)").DocumentsBody<SubAccountApiKeyListRequest>().Produces<WhiteBitApiKeyList>(200);
        group.MapPost("/api-key/edit", EditKeyAsync).WithName("editSubAccountApiKey").WithSummary("Edit Sub-Account API Key (title, isEnabled, restrictAccess, accessEndpoints)").DocumentsBody<SubAccountApiKeyEditRequest>().Produces<WhiteBitApiKey>(200);
        group.MapPost("/api-key/delete", DeleteKeyAsync).WithName("deleteSubAccountApiKey").WithSummary("Delete Sub-Account API Key").DocumentsBody<SubAccountApiKeyRequest>().Produces<WhiteBitEmpty>(200);
        group.MapPost("/api-key/reset", ResetKeyAsync).WithName("resetSubAccountApiKey").WithSummary("Reset Sub-Account API Key secret (shown once)").DocumentsBody<SubAccountApiKeyRequest>().Produces<WhiteBitApiKey>(200);
        return group;
    }

    private static async Task<JsonResponse> CreateSubAccountAsync(HttpContext http, TenantService tenants)
    {
        WhiteBitRequest request = WhiteBitAuthentication.GetRequest(http);
        var errors = new WhiteBitErrors();
        string? alias = ReadString(request.Body, "alias", errors, required: true);
        if (alias is not null && PanDetector.ContainsPan(alias))
        {
            errors.Add("alias", CardNumberMessage("alias"));
        }
        else if (alias is not null && Tenant.ValidateName(alias) is { } aliasError)
        {
            errors.Add("alias", aliasError);
        }

        if (errors.Any)
        {
            return errors.ToResponse();
        }

        Tenant created = await tenants.CreateSubAccountAsync(request.Tenant.Id, alias!, http.WhiteBitActor(), http.RequestAborted);
        return WhiteBitResponses.Json(201, ToWire(created), WhiteBitJson.Default.WhiteBitSubAccount);
    }

    private static async Task<JsonResponse> ListSubAccountsAsync(HttpContext http, TenantService tenants)
    {
        WhiteBitRequest request = WhiteBitAuthentication.GetRequest(http);
        var errors = new WhiteBitErrors();
        (int limit, int offset) = ReadPaging(request.Body, errors);
        if (errors.Any)
        {
            return errors.ToResponse();
        }

        IReadOnlyList<Tenant> all = await tenants.ListSubAccountsAsync(request.Tenant.Id, http.RequestAborted);
        var page = new WhiteBitSubAccountList(limit, offset, all.Skip(offset).Take(limit).Select(ToWire).ToList());
        return WhiteBitResponses.Json(200, page, WhiteBitJson.Default.WhiteBitSubAccountList);
    }

    private static async Task<JsonResponse> CreateKeyAsync(HttpContext http, TenantService tenants, SigningKeyService signingKeys)
    {
        WhiteBitRequest request = WhiteBitAuthentication.GetRequest(http);
        var errors = new WhiteBitErrors();
        int? type = ReadInteger(request.Body, "type", errors, required: true);
        if (type is not null && !SigningKeyService.IsValidType(type.Value))
        {
            errors.Add("type", "The selected type is invalid.");
        }

        string? title = ReadString(request.Body, "title", errors, required: false);
        if (title is { Length: > SigningKeyService.MaxTitleLength })
        {
            errors.Add("title", $"The title may not be greater than {SigningKeyService.MaxTitleLength} characters.");
        }
        else if (PanDetector.ContainsPan(title))
        {
            errors.Add("title", CardNumberMessage("title"));
        }

        Tenant? subAccount = await ReadSubAccountAsync(request, tenants, errors, http.RequestAborted);
        if (errors.Any)
        {
            return errors.ToResponse();
        }

        try
        {
            IssuedSigningKey issued = await signingKeys.CreateAsync(subAccount!.Id, type!.Value, title, http.WhiteBitActor(), http.RequestAborted);
            return WhiteBitResponses.Json(201, ToWire(issued.Record, issued.Secret), WhiteBitJson.Default.WhiteBitApiKey);
        }
        catch (SigningKeyLimitException)
        {
            return WhiteBitResponses.Validation("subAccountId", $"A sub-account can have at most {SigningKeyService.MaxKeysPerTenant} API keys.");
        }
    }

    private static async Task<JsonResponse> ListKeysAsync(HttpContext http, TenantService tenants, SigningKeyService signingKeys)
    {
        WhiteBitRequest request = WhiteBitAuthentication.GetRequest(http);
        var errors = new WhiteBitErrors();
        (int limit, int offset) = ReadPaging(request.Body, errors);
        Tenant? subAccount = await ReadSubAccountAsync(request, tenants, errors, http.RequestAborted);
        if (errors.Any)
        {
            return errors.ToResponse();
        }

        IReadOnlyList<SigningKeyRecord> keys = await signingKeys.ListAsync(subAccount!.Id, limit, offset, http.RequestAborted);
        var list = new WhiteBitApiKeyList(limit, offset, keys.Select(k => ToWire(k, secret: "")).ToList());
        return WhiteBitResponses.Json(200, list, WhiteBitJson.Default.WhiteBitApiKeyList);
    }

    private static async Task<JsonResponse> EditKeyAsync(HttpContext http, TenantService tenants, SigningKeyService signingKeys)
    {
        WhiteBitRequest request = WhiteBitAuthentication.GetRequest(http);
        var errors = new WhiteBitErrors();
        Tenant? subAccount = await ReadSubAccountAsync(request, tenants, errors, http.RequestAborted);
        Guid? keyId = ReadKeyId(request.Body, errors);
        string? title = ReadString(request.Body, "title", errors, required: false);
        if (title is { Length: > SigningKeyService.MaxTitleLength })
        {
            errors.Add("title", $"The title may not be greater than {SigningKeyService.MaxTitleLength} characters.");
        }
        else if (PanDetector.ContainsPan(title))
        {
            errors.Add("title", CardNumberMessage("title"));
        }

        bool? isEnabled = ReadBoolean(request.Body, "isEnabled", errors);
        bool? restrictAccess = ReadBoolean(request.Body, "restrictAccess", errors);
        IReadOnlyList<AccessEndpoint>? endpoints = ReadAccessEndpoints(request.Body, errors);
        if (errors.Any)
        {
            return errors.ToResponse();
        }

        SigningKeyRecord? edited = await signingKeys.EditAsync(subAccount!.Id, keyId!.Value, title, isEnabled, restrictAccess, endpoints, http.WhiteBitActor(), http.RequestAborted);
        if (edited is null)
        {
            return WhiteBitResponses.Validation("apiKeyId", InvalidApiKeyId);
        }

        return WhiteBitResponses.Json(200, ToWire(edited, secret: ""), WhiteBitJson.Default.WhiteBitApiKey);
    }

    private static async Task<JsonResponse> DeleteKeyAsync(HttpContext http, TenantService tenants, SigningKeyService signingKeys)
    {
        WhiteBitRequest request = WhiteBitAuthentication.GetRequest(http);
        var errors = new WhiteBitErrors();
        Tenant? subAccount = await ReadSubAccountAsync(request, tenants, errors, http.RequestAborted);
        Guid? keyId = ReadKeyId(request.Body, errors);
        if (errors.Any)
        {
            return errors.ToResponse();
        }

        if (!await signingKeys.DeleteAsync(subAccount!.Id, keyId!.Value, http.WhiteBitActor(), http.RequestAborted))
        {
            return WhiteBitResponses.Validation("apiKeyId", InvalidApiKeyId);
        }

        return WhiteBitResponses.Json(200, new WhiteBitEmpty(), WhiteBitJson.Default.WhiteBitEmpty);
    }

    private static async Task<JsonResponse> ResetKeyAsync(HttpContext http, TenantService tenants, SigningKeyService signingKeys)
    {
        WhiteBitRequest request = WhiteBitAuthentication.GetRequest(http);
        var errors = new WhiteBitErrors();
        Tenant? subAccount = await ReadSubAccountAsync(request, tenants, errors, http.RequestAborted);
        Guid? keyId = ReadKeyId(request.Body, errors);
        if (errors.Any)
        {
            return errors.ToResponse();
        }

        IssuedSigningKey? reset = await signingKeys.ResetSecretAsync(subAccount!.Id, keyId!.Value, http.WhiteBitActor(), http.RequestAborted);
        if (reset is null)
        {
            return WhiteBitResponses.Validation("apiKeyId", InvalidApiKeyId);
        }

        return WhiteBitResponses.Json(200, ToWire(reset.Record, reset.Secret), WhiteBitJson.Default.WhiteBitApiKey);
    }

    private static async Task<Tenant?> ReadSubAccountAsync(WhiteBitRequest request, TenantService tenants, WhiteBitErrors errors, CancellationToken cancellationToken)
    {
        string? text = ReadString(request.Body, "subAccountId", errors, required: true);
        if (text is null)
        {
            return null;
        }

        Tenant? subAccount = Guid.TryParse(text, out Guid id) ? await tenants.GetSubAccountAsync(request.Tenant.Id, id, cancellationToken) : null;
        if (subAccount is null)
        {
            errors.Add("subAccountId", InvalidSubAccount);
        }

        return subAccount;
    }

    private static Guid? ReadKeyId(JsonElement body, WhiteBitErrors errors)
    {
        string? text = ReadString(body, "apiKeyId", errors, required: true);
        if (text is null)
        {
            return null;
        }

        if (!Guid.TryParse(text, out Guid id))
        {
            errors.Add("apiKeyId", InvalidApiKeyId);
            return null;
        }

        return id;
    }

    /// <summary>WhiteBIT words its messages with the field name, like the rest of its validation errors.</summary>
    internal static string CardNumberMessage(string field) => $"The {field} must not contain a card number.";

    private static string? ReadString(JsonElement body, string field, WhiteBitErrors errors, bool required) =>
        Accept(JsonFields.String(body, field, out string? value), field, errors, required, $"The {field} must be a string.") ? value : null;

    private static int? ReadInteger(JsonElement body, string field, WhiteBitErrors errors, bool required) =>
        Accept(JsonFields.Int32(body, field, out int value), field, errors, required, $"The {field} must be an integer.") ? value : null;

    private static bool? ReadBoolean(JsonElement body, string field, WhiteBitErrors errors) =>
        Accept(JsonFields.Boolean(body, field, out bool value), field, errors, required: false, $"The {field} field must be true or false.") ? value : null;

    /// <summary>True when the field is present and typed right; otherwise records the WhiteBIT error, if any.</summary>
    private static bool Accept(JsonFieldState state, string field, WhiteBitErrors errors, bool required, string wrongTypeMessage)
    {
        if (state == JsonFieldState.WrongType)
        {
            errors.Add(field, wrongTypeMessage);
        }
        else if (state == JsonFieldState.Absent && required)
        {
            errors.Add(field, $"The {field} field is required.");
        }

        return state == JsonFieldState.Present;
    }

    private static (int Limit, int Offset) ReadPaging(JsonElement body, WhiteBitErrors errors)
    {
        int limit = ReadInteger(body, "limit", errors, required: false) ?? 30;
        int offset = ReadInteger(body, "offset", errors, required: false) ?? 0;
        if (limit is < 1 or > 100)
        {
            errors.Add("limit", "The limit must be between 1 and 100.");
        }

        if (offset is < 0 or > 10_000)
        {
            errors.Add("offset", "The offset must be between 0 and 10000.");
        }

        return (limit, offset);
    }

    private static List<AccessEndpoint>? ReadAccessEndpoints(JsonElement body, WhiteBitErrors errors)
    {
        if (!body.TryGetProperty("accessEndpoints", out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() > SigningKeyService.MaxAccessEndpoints)
        {
            errors.Add("accessEndpoints", $"The accessEndpoints must be an array of at most {SigningKeyService.MaxAccessEndpoints} endpoints.");
            return null;
        }

        var endpoints = new List<AccessEndpoint>();
        int index = 0;
        foreach (JsonElement item in value.EnumerateArray())
        {
            string? name = item.ValueKind == JsonValueKind.Object && item.TryGetProperty("name", out JsonElement n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            if (name is null || !KnownEndpoints.TryGetValue(name, out string? title))
            {
                errors.Add($"accessEndpoints.{index}.name", "The selected endpoint is invalid.");
            }
            else
            {
                endpoints.Add(new AccessEndpoint(name, title));
            }

            index++;
        }

        return endpoints;
    }

    private static WhiteBitSubAccount ToWire(Tenant tenant) => new(tenant.Id.ToString(), tenant.Name, "active", tenant.CreatedAt.ToUnixTimeSeconds());

    private static WhiteBitApiKey ToWire(SigningKeyRecord key, string secret) => new(
        key.TenantId.ToString(),
        key.Id.ToString(),
        key.Title ?? "",
        key.IsEnabled,
        key.PublicKey,
        secret,
        key.Type,
        key.LastActivity?.ToUnixTimeSeconds() ?? 0,
        key.RestrictAccess,
        key.AccessEndpoints.Select(e => new WhiteBitAccessEndpoint(e.Name, e.Title)).ToList());
}
