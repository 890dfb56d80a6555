using Strongroom.Core.Sessions;
using Strongroom.Core.Tenancy;
using Strongroom.Server.Http;

namespace Strongroom.Server.Guardian;

/// <summary>The merchant server's view of card-entry sessions: <c>GET /api/sessions/{id}</c> (status and resulting token, masked).</summary>
internal static class SessionEndpoints
{
    public static RouteGroupBuilder MapGuardianSessions(this IEndpointRouteBuilder routes)
    {
        RouteGroupBuilder group = routes.MapGroup("/api/sessions")
            .WithTags("sessions")
            .AddEndpointFilter<GuardianAuthentication>()
            .ProducesGuardianErrors();

        group.MapGet("/{id}", GetAsync)
            .RequireRights(VaultRights.TokensRead)
            .WithName("session_get")
            .WithSummary("Get a card-entry session: status (created, completed, locked, expired) and the resulting PCI token, masked")
            .Produces<GuardianSessionStatus>(200);
        return group;
    }

    private static async Task<JsonResponse> GetAsync(HttpContext http, Caller caller, string id, SessionService sessions)
    {
        SessionView? session = Guid.TryParse(id, out Guid sessionId) ? await sessions.GetAsync(caller.TenantId, sessionId, http.RequestAborted) : null;
        return session is null ? GuardianResponses.NotFound() : GuardianResponses.Session(session);
    }
}
