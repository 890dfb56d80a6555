using Strongroom.Core.Tenancy;

namespace Strongroom.Server.Http;

/// <summary>
/// Who is calling, bound as a handler parameter (a scoped service, like TodoApi's <c>CurrentUser</c>). Parameters are bound
/// before the endpoint filters run, so the handler receives this request's instance and the dialect's authentication filter
/// fills it in before the handler body runs.
/// </summary>
internal sealed class Caller
{
    private Principal? _principal;

    /// <summary>The authenticated principal; only behind a dialect's authentication filter.</summary>
    public Principal Principal => _principal ?? throw new InvalidOperationException("Endpoint is not behind a dialect's authentication filter.");

    /// <summary>The tenant the request acts on: a tenant route's filter has established it (a tenant key, or the admin's <c>x-tenant-id</c>).</summary>
    public Guid TenantId => Principal.TenantId ?? throw new InvalidOperationException("Endpoint is not tenant-scoped.");

    /// <summary>The tenant of an authenticated caller, or null (not authenticated yet, or an admin without <c>x-tenant-id</c>); for telemetry.</summary>
    public Guid? KnownTenantId => _principal?.TenantId;

    /// <summary>Called once by the authentication filter after it verified the credentials.</summary>
    public void Authenticate(Principal principal) => _principal = principal;

    /// <summary>The caller of <paramref name="context"/>'s request.</summary>
    public static Caller Of(HttpContext context) => context.RequestServices.GetRequiredService<Caller>();
}
