using Strongroom.Server.Admin;
using Strongroom.Server.Forwarding;
using Strongroom.Server.HostedForm;
using Strongroom.Server.InboundProxy;
using Strongroom.Server.Hosting;
using Strongroom.Server.Webhooks;

namespace Strongroom.Server.Guardian;

/// <summary>
/// The Guardian dialect as one module: its authentication and idempotency, and every route that answers in Guardian's error
/// shape (tokens, sessions and the hosted form, metadata, forwarding, webhooks, and the instance admin's routes).
/// </summary>
internal static class GuardianModule
{
    public static IServiceCollection AddGuardian(this IServiceCollection services)
    {
        services.AddSingleton<GuardianAuthentication>();
        services.AddSingleton<GuardianIdempotency>();
        services.AddOptions<HostedFormOptions>().BindConfiguration(HostedFormOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<HostedFormRateLimiter>();
        services.AddInboundProxy();
        return services;
    }

    /// <summary>Maps the dialect's routes in one group that carries its error writer (<see cref="DialectErrorWriter"/>).</summary>
    public static IEndpointRouteBuilder MapGuardian(this IEndpointRouteBuilder routes)
    {
        RouteGroupBuilder guardian = routes.MapGroup(string.Empty).WithErrorWriter(DialectErrorWriter.Guardian);
        guardian.MapGuardianPciTokens();
        guardian.MapGuardianNetworkTokens();
        guardian.MapGuardianSessions();
        guardian.MapHostedForm();
        guardian.MapGuardianMetadata();
        guardian.MapGuardianForwarding();
        guardian.MapWebhooks();
        guardian.MapAdmin();
        guardian.MapAudit();
        guardian.MapKeyAdmin();
        guardian.MapForwardDestinationAdmin();
        guardian.MapCardRulesAdmin();
        guardian.MapInboundRouteAdmin();
        guardian.MapInboundProxy();
        return routes;
    }
}
