using System.Text.Json.Serialization;
using Strongroom.Core.Keys;
using Strongroom.Core.Tenancy;
using Strongroom.Server.Guardian;
using Strongroom.Server.Http;

namespace Strongroom.Server.Admin;

internal sealed record RotationJobResponse(
    Guid Id,
    Guid TenantId,
    int ToVersion,
    string Status,
    string Stage,
    long Reencrypted,
    string CreatedAt,
    string UpdatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? CompletedAt);

internal sealed record RotationJobListResponse(IReadOnlyList<RotationJobResponse> Data);

internal sealed record TenantShredResponse(Guid TenantId, bool Shredded);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(RotationJobListResponse))]
[JsonSerializable(typeof(TenantShredResponse))]
internal sealed partial class KeyAdminJson : JsonSerializerContext;

/// <summary>Key management for the instance admin: rotation job status and tenant deletion by crypto-shredding.</summary>
internal static class KeyEndpoints
{
    public static void MapKeyAdmin(this IEndpointRouteBuilder routes)
    {
        RouteGroupBuilder group = routes.MapGroup("/api/admin")
            .WithTags("admin")
            .AddEndpointFilter<GuardianAuthentication>()
            .RequireRights(VaultRights.Admin)
            .ProducesGuardianErrors();

        group.MapGet("/key-rotations", ListRotationsAsync).WithName("admin_key_rotations")
            .WithSummary("DEK rotation jobs and their progress (query: tenant_id); start them with `strongroom keys rotate-dek`")
            .Produces<RotationJobListResponse>(200);
        group.MapDelete("/tenants/{tenantId}", ShredTenantAsync).WithName("admin_tenant_delete")
            .WithSummary("Delete a tenant by crypto-shredding: its data and keys are deleted, then the KEK is rotated and older versions destroyed, so backups of its data are unreadable")
            .Produces<TenantShredResponse>(200);
    }

    private static async Task<JsonResponse> ListRotationsAsync(HttpContext http, KeyRotationService rotation)
    {
        string? tenantText = http.Request.Query["tenant_id"];
        Guid? tenantId = null;
        if (tenantText is not null)
        {
            if (!Guid.TryParse(tenantText, out Guid parsed))
            {
                return GuardianResponses.Validation("$.query.tenant_id", "Must be a tenant id (UUID).");
            }

            tenantId = parsed;
        }

        IReadOnlyList<RotationJob> jobs = await rotation.ListJobsAsync(tenantId, http.RequestAborted);
        var data = jobs.Select(j => new RotationJobResponse(
            j.Id, j.TenantId, j.ToVersion, j.Status == RotationJobStatus.Completed ? "completed" : "running",
            j.Status == RotationJobStatus.Completed ? "done" : j.Stage < SealedColumns.All.Count ? SealedColumns.All[j.Stage].ToString() : "verifying",
            j.Reencrypted, GuardianResponses.Timestamp(j.CreatedAt), GuardianResponses.Timestamp(j.UpdatedAt),
            j.CompletedAt is { } c ? GuardianResponses.Timestamp(c) : null)).ToList();
        return GuardianResponses.Json(200, new RotationJobListResponse(data), KeyAdminJson.Default.RotationJobListResponse);
    }

    private static async Task<JsonResponse> ShredTenantAsync(HttpContext http, string tenantId, KeyRotationService rotation)
    {
        if (!Guid.TryParse(tenantId, out Guid id))
        {
            return GuardianResponses.NotFound();
        }

        try
        {
            return await rotation.ShredTenantAsync(id, http.RequestAborted, http.GuardianActor())
                ? GuardianResponses.Json(200, new TenantShredResponse(id, true), KeyAdminJson.Default.TenantShredResponse)
                : GuardianResponses.NotFound();
        }
        catch (InvalidOperationException ex)
        {
            return GuardianResponses.Conflict(ex.Message);
        }
    }
}
