using Microsoft.Extensions.Options;
using Strongroom.Server.Guardian;

namespace Strongroom.Server.Observability;

/// <summary>
/// The management port (<see cref="MetricsOptions.Port"/>): Kestrel listens on it beside the public addresses, and it serves only
/// <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c>; anything else there is a 404, so the API is never reachable through it.
/// </summary>
internal static class ManagementPort
{
    private static readonly PathString[] Served = [MetricsOptions.Path, "/healthz", "/readyz"];

    /// <summary>
    /// Adds the management endpoint to Kestrel's configuration. An endpoint in configuration replaces the <c>urls</c> setting
    /// (<c>--urls</c>, <c>ASPNETCORE_URLS</c>, appsettings' <c>Urls</c>), so those addresses are carried over as endpoints
    /// too, unless <c>Kestrel:Endpoints</c> is configured already (then <c>urls</c> was not in force anyway).
    /// </summary>
    public static void AddManagementPort(this WebApplicationBuilder builder)
    {
        MetricsOptions options = builder.Configuration.GetSection(MetricsOptions.Section).Get<MetricsOptions>() ?? new MetricsOptions();
        if (options.Port is not int port)
        {
            return;
        }

        var endpoints = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (!builder.Configuration.GetSection("Kestrel:Endpoints").GetChildren().Any())
        {
            string urls = builder.Configuration[WebHostDefaults.ServerUrlsKey] is { Length: > 0 } configured ? configured : "http://localhost:5000";
            int index = 0;
            foreach (string url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                endpoints[$"Kestrel:Endpoints:Public{index++}:Url"] = url;
            }
        }

        endpoints["Kestrel:Endpoints:Management:Url"] = $"http://{options.Host}:{port}";
        builder.Configuration.AddInMemoryCollection(endpoints);
    }

    /// <summary>Answers 404 for every other path on the management port.</summary>
    public static IApplicationBuilder UseManagementPortGate(this IApplicationBuilder app)
    {
        if (app.ApplicationServices.GetRequiredService<IOptions<MetricsOptions>>().Value.Port is not int port)
        {
            return app;
        }

        return app.Use((context, next) =>
            context.Connection.LocalPort != port || Array.Exists(Served, p => context.Request.Path.Equals(p, StringComparison.OrdinalIgnoreCase))
                ? next(context)
                : GuardianResponses.NotFound().ExecuteAsync(context));
    }
}
