using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Strongroom.Core.Audit;
using Strongroom.Core.Tenancy;
using Strongroom.Server.Guardian;
using Strongroom.Server.Http;

namespace Strongroom.Server.Admin;

internal sealed record AuditEntryResponse(
    long Seq,
    Guid Id,
    string At,
    string Actor,
    string Action,
    Guid? TenantId,
    string? Target,
    JsonElement Details,
    string Hash,
    bool Sealed);

internal sealed record AuditListResponse(IReadOnlyList<AuditEntryResponse> Data, GuardianLinks Links);

internal sealed record AuditVerificationResponse(bool Intact, long Checked, long Sealed, long? BrokenAtSeq, string? Problem);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(AuditListResponse))]
[JsonSerializable(typeof(AuditVerificationResponse))]
internal sealed partial class AuditJson : JsonSerializerContext;

/// <summary>
/// The audit log over HTTP, for the instance admin only: <c>GET /api/audit</c> (filtered, cursor-paged by
/// <c>seq</c>, oldest first) and <c>GET /api/audit/verify</c> (walks the hash chain, seals and sealed head).
/// </summary>
internal static partial class AuditEndpoints
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;
    private const int MaxFilterLength = 200;

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,7})?([Zz]|[+-]\d{2}:\d{2})$")]
    private static partial Regex Rfc3339();

    public static RouteGroupBuilder MapAudit(this IEndpointRouteBuilder routes)
    {
        RouteGroupBuilder group = routes.MapGroup("/api/audit")
            .WithTags("admin")
            .AddEndpointFilter<GuardianAuthentication>()
            .RequireRights(VaultRights.Admin)
            .ProducesGuardianErrors();

        group.MapGet("/", ListAsync).WithName("admin_audit_list")
            .WithSummary("The audit log, oldest first (admin token only)")
            .WithDescription($"Query (all optional): tenant_id, action, actor (exact), from (inclusive) and to (exclusive) as RFC 3339, after (a seq: the cursor), " +
                $"limit (1..{MaxLimit}, default {DefaultLimit}). links.next carries the filters on. Entries never hold card data or secrets.")
            .Produces<AuditListResponse>(200);
        group.MapGet("/verify", VerifyAsync).WithName("admin_audit_verify")
            .WithSummary("Verify the audit log: hash chain, seals and sealed head (admin token only)")
            .Produces<AuditVerificationResponse>(200);
        return group;
    }

    private static async Task<JsonResponse> ListAsync(HttpContext http, AuditLog audit)
    {
        IQueryCollection query = http.Request.Query;
        var errors = new List<GuardianValidationError>();

        Guid? tenantId = null;
        if (Text(query, "tenant_id") is { } tenantText)
        {
            if (Guid.TryParse(tenantText, out Guid parsed))
            {
                tenantId = parsed;
            }
            else
            {
                errors.Add(new("$.query.tenant_id", "Must be a tenant id (UUID)."));
            }
        }

        string? action = Filter(query, "action", errors);
        string? actor = Filter(query, "actor", errors);
        DateTimeOffset? from = Timestamp(query, "from", errors);
        DateTimeOffset? to = Timestamp(query, "to", errors);
        if (from is not null && to is not null && to <= from)
        {
            errors.Add(new("$.query.to", "Must be later than from."));
        }

        long after = 0;
        if (Text(query, "after") is { } afterText && (!long.TryParse(afterText, NumberStyles.None, CultureInfo.InvariantCulture, out after)))
        {
            errors.Add(new("$.query.after", "Must be an entry's seq (a non-negative integer)."));
        }

        int limit = DefaultLimit;
        if (Text(query, "limit") is { } limitText && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            errors.Add(new("$.query.limit", $"Must be an integer between 1 and {MaxLimit}."));
        }

        if (errors.Count > 0)
        {
            return GuardianResponses.Validation(errors);
        }

        IReadOnlyList<AuditEntry> entries = await audit.ListAsync(new AuditQuery(tenantId, action, actor, from, to, after, limit + 1), http.RequestAborted);
        bool hasMore = entries.Count > limit;
        List<AuditEntryResponse> page = entries.Take(limit).Select(ToWire).ToList();
        string? next = hasMore ? NextLink(query, page[^1].Seq, limit) : null;
        return GuardianResponses.Json(200, new AuditListResponse(page, new GuardianLinks(next)), AuditJson.Default.AuditListResponse);
    }

    private static async Task<JsonResponse> VerifyAsync(HttpContext http, AuditLog audit)
    {
        AuditVerification result = await audit.VerifyAsync(http.RequestAborted);
        var wire = new AuditVerificationResponse(result.Intact, result.Checked, result.Sealed, result.BrokenAtSeq, result.Problem);
        return GuardianResponses.Json(200, wire, AuditJson.Default.AuditVerificationResponse);
    }

    private static string? Text(IQueryCollection query, string name) => query.TryGetValue(name, out var values) ? values.ToString() : null;

    private static string? Filter(IQueryCollection query, string name, List<GuardianValidationError> errors)
    {
        string? value = Text(query, name);
        if (value is not null && (value.Length is 0 or > MaxFilterLength || value.Any(char.IsControl)))
        {
            errors.Add(new($"$.query.{name}", $"Must be 1 to {MaxFilterLength} printable characters."));
            return null;
        }

        return value;
    }

    private static DateTimeOffset? Timestamp(IQueryCollection query, string name, List<GuardianValidationError> errors)
    {
        string? value = Text(query, name);
        if (value is null)
        {
            return null;
        }

        if (Rfc3339().IsMatch(value) && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTimeOffset parsed))
        {
            return parsed;
        }

        errors.Add(new($"$.query.{name}", "Must be an RFC 3339 timestamp such as 2031-03-10T09:00:00Z."));
        return null;
    }

    /// <summary>The next page: the same filters, the cursor after the last entry shown.</summary>
    private static string NextLink(IQueryCollection query, long lastSeq, int limit)
    {
        var link = new StringBuilder("/api/audit?after=").Append(lastSeq.ToString(CultureInfo.InvariantCulture))
            .Append("&limit=").Append(limit.ToString(CultureInfo.InvariantCulture));
        foreach (string name in (string[])["tenant_id", "action", "actor", "from", "to"])
        {
            if (Text(query, name) is { } value)
            {
                link.Append('&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
            }
        }

        return link.ToString();
    }

    private static AuditEntryResponse ToWire(AuditEntry entry) => new(
        entry.Seq,
        entry.Id,
        entry.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        entry.Actor,
        entry.Action,
        entry.TenantId,
        entry.Target,
        Details(entry.DetailsJson),
        Convert.ToHexStringLower(entry.Hash),
        entry.Seal is not null);

    /// <summary>The stored details object; anything else (only a tampered row) is shown as the raw string.</summary>
    private static JsonElement Details(string json)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document.RootElement.Clone();
            }
        }
        catch (JsonException)
        {
            // Fall through: show it as text.
        }

        return JsonSerializer.SerializeToElement(json, AuditStringJson.Default.String);
    }
}

[JsonSerializable(typeof(string))]
internal sealed partial class AuditStringJson : JsonSerializerContext;
