using Strongroom.Server.Admin;
using Strongroom.Server.Forwarding;
using Strongroom.Server.HostedForm;
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
        return services;
    }

    public static IEndpointRouteBuilder MapGuardian(this IEndpointRouteBuilder routes)
    {
        routes.MapGuardianPciTokens();
        routes.MapGuardianNetworkTokens();
        routes.MapGuardianSessions();
        routes.MapHostedForm();
        routes.MapGuardianMetadata();
        routes.MapGuardianForwarding();
        routes.MapWebhooks();
        routes.MapAdmin();
        routes.MapAudit();
        routes.MapKeyAdmin();
        routes.MapForwardDestinationAdmin();
        routes.MapCardRulesAdmin();
        return routes;
    }
}
