using Microsoft.Extensions.Options;
using Strongroom.Core.Tenancy;
using Strongroom.Server.Guardian;

namespace Strongroom.Server.Observability;

/// <summary>
/// <c>GET /metrics</c> in the Prometheus text format (the OpenTelemetry Prometheus exporter). By default on the public port behind
/// <c>x-admin-token</c> (401 in Guardian's shape without it); with <see cref="MetricsOptions.Port"/> only on the management port,
/// where it needs no token, and the public port answers 404 for it.
/// </summary>
internal static class MetricsEndpoint
{
    public static IEndpointConventionBuilder MapStrongroomMetrics(this IEndpointRouteBuilder routes)
    {
        int? managementPort = routes.ServiceProvider.GetRequiredService<IOptions<MetricsOptions>>().Value.Port;
        return routes.MapPrometheusScrapingEndpoint(MetricsOptions.Path, meterProvider: null, branch => branch.Use(
            managementPort is int port ? (context, next) => OnManagementPortAsync(context, next, port) : RequireAdminTokenAsync), optionsName: null)
            .ExcludeFromDescription();
    }

    private static Task RequireAdminTokenAsync(HttpContext context, RequestDelegate next)
    {
        AdminTokenService adminToken = context.RequestServices.GetRequiredService<AdminTokenService>();
        if (context.Request.Headers.TryGetValue(GuardianAuthentication.AdminTokenHeader, out var token) && adminToken.Verify(token.ToString()))
        {
            return next(context);
        }

        return GuardianResponses.Unauthorized().ExecuteAsync(context);
    }

    private static Task OnManagementPortAsync(HttpContext context, RequestDelegate next, int port) =>
        context.Connection.LocalPort == port ? next(context) : GuardianResponses.NotFound().ExecuteAsync(context);
}
