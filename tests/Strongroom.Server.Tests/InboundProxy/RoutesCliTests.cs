using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Strongroom.Server.Tests.InboundProxy;

/// <summary><c>strongroom routes list|add|remove</c>, run as a real process over the data directory a server then serves.</summary>
public sealed partial class RoutesCliTests : IDisposable
{
    private const string Upstream = "https://api.shop.example";

    private readonly TempDataDirectories _directories = new();

    public void Dispose() => _directories.Dispose();

    [GeneratedRegex(@"tenant_id: ([0-9a-f-]{36})")]
    private static partial Regex TenantIdLine();

    [GeneratedRegex(@"route_id: ([0-9a-f-]{36})")]
    private static partial Regex RouteIdLine();

    [Fact]
    public async Task RouteAddedByCli_IsListed_ServedByTheAdminApi_AndRemoved()
    {
        string dataDirectory = _directories.Create();
        (int tenantExit, string tenantOutput, _) = await CliProcess.RunAsync(dataDirectory, "tenant", "create", "--name", "Shop");
        Assert.Equal(0, tenantExit);
        string tenantId = TenantIdLine().Match(tenantOutput).Groups[1].Value;

        // The upstream must be on the tenant's forwarding allowlist before a route may name it.
        (int refusedExit, _, string refusedError) = await AddRouteAsync(dataDirectory, tenantId);
        Assert.Equal(2, refusedExit);
        Assert.Contains("$.upstream_url", refusedError, StringComparison.Ordinal);

        using (var app = StrongroomApplication.Over(dataDirectory))
        {
            using HttpClient admin = app.AdminClient();
            using HttpResponseMessage allowed = await admin.PutAsJsonAsync($"/api/admin/tenants/{tenantId}/forward-destinations",
                new { destinations = new[] { new { url = Upstream } } });
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        (int addExit, string addOutput, string addError) = await AddRouteAsync(dataDirectory, tenantId);
        Assert.True(addExit == 0, addError);
        string routeId = RouteIdLine().Match(addOutput).Groups[1].Value;
        Assert.Contains("path: /inbound/shop", addOutput, StringComparison.Ordinal);

        (int listExit, string listOutput, _) = await CliProcess.RunAsync(dataDirectory, "routes", "list", "--tenant", tenantId);
        Assert.Equal(0, listExit);
        Assert.Contains(routeId, listOutput, StringComparison.Ordinal);
        Assert.Contains("/inbound/shop", listOutput, StringComparison.Ordinal);
        Assert.Contains("replacement=fpe_alias", listOutput, StringComparison.Ordinal);

        using (var app = StrongroomApplication.Over(dataDirectory))
        {
            using HttpClient admin = app.AdminClient();
            using JsonDocument routes = JsonDocument.Parse(await admin.GetStringAsync($"/api/admin/tenants/{tenantId}/inbound-routes"));
            Assert.Contains(routeId, routes.RootElement.GetRawText(), StringComparison.Ordinal);
        }

        (int removeExit, string removeOutput, _) = await CliProcess.RunAsync(dataDirectory, "routes", "remove", "--tenant", tenantId, "--route", routeId);
        (int againExit, _, string againError) = await CliProcess.RunAsync(dataDirectory, "routes", "remove", "--tenant", tenantId, "--route", routeId);
        (_, string emptyOutput, _) = await CliProcess.RunAsync(dataDirectory, "routes", "list", "--tenant", tenantId);

        Assert.Equal(0, removeExit);
        Assert.Contains("removed", removeOutput, StringComparison.Ordinal);
        Assert.Equal(1, againExit);
        Assert.Contains("No such route", againError, StringComparison.Ordinal);
        Assert.DoesNotContain(routeId, emptyOutput, StringComparison.Ordinal);
    }

    private static Task<(int ExitCode, string Stdout, string Stderr)> AddRouteAsync(string dataDirectory, string tenantId) =>
        CliProcess.RunAsync(dataDirectory, "routes", "add", "--tenant", tenantId, "--prefix", "shop", "--upstream", Upstream,
            "--path", "/payments", "--number-field", "$.card.number", "--expiry-month-field", "$.card.exp_month",
            "--expiry-year-field", "$.card.exp_year", "--security-code-field", "$.card.cvc", "--replacement", "fpe_alias");
}
