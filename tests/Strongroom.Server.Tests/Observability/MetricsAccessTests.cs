using System.Net;
using System.Text.Json;
using Strongroom.Server.Tests.Faults;

namespace Strongroom.Server.Tests.Observability;

/// <summary>Who can read <c>/metrics</c>: the admin by default; with <c>Strongroom:Metrics:Port</c>, anyone on the management port and nobody on the public one.</summary>
[Collection(ObservabilityCollection.Name)]
public sealed class MetricsAccessTests
{
    [Fact]
    public async Task Metrics_WithoutTheAdminToken_Is401InGuardianShape()
    {
        using var app = new StrongroomApplication();
        TestTenant tenant = await app.CreateTenantAsync();

        using HttpClient anonymous = app.CreateClient();
        using HttpClient wrongToken = app.CreateClient();
        wrongToken.DefaultRequestHeaders.Add("x-admin-token", "sra_not-the-admin-token-0123456789abcdef");

        foreach (HttpClient client in new[] { anonymous, wrongToken, tenant.Client })
        {
            using HttpResponseMessage response = await client.GetAsync("/metrics");
            string body = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            using JsonDocument error = JsonDocument.Parse(body);
            Assert.Equal("UNAUTHORIZED", error.RootElement.GetProperty("classifier").GetString());
            Assert.DoesNotContain("# TYPE", body, StringComparison.Ordinal);
        }

        using HttpClient admin = app.AdminClient();
        PrometheusScrape scrape = await PrometheusScrape.TakeAsync(admin);
        Assert.NotEmpty(scrape.Samples);
    }

    [Fact]
    public async Task ManagementPort_ServesMetricsWithoutToken_AndThePublicPortHasNone()
    {
        using var data = new TempDirectory("strongroom-metrics-port");
        int managementPort = RedisSharedStateTests.FreePort();
        using VaultProcess node = await VaultProcess.StartAsync(data.Path, new Dictionary<string, string>
        {
            ["Strongroom:Metrics:Port"] = managementPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        using var management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{managementPort}"), Timeout = TimeSpan.FromSeconds(15) };

        PrometheusScrape scrape = await PrometheusScrape.TakeAsync(management);
        Assert.Contains(scrape.Samples, s => s.Name == "http_server_request_duration_seconds_count" && s.Has(("http_route", "/readyz")));

        using HttpClient publicAdmin = node.CreateClient(admin: true);
        using (HttpResponseMessage onPublic = await publicAdmin.GetAsync("/metrics"))
        {
            Assert.Equal(HttpStatusCode.NotFound, onPublic.StatusCode);
            Assert.DoesNotContain("# TYPE", await onPublic.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // The management port is not a second way into the API; health stays available on both.
        using (HttpResponseMessage api = await management.GetAsync("/api/admin/tenants"))
        {
            Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        }

        using (HttpResponseMessage tenants = await publicAdmin.GetAsync("/api/admin/tenants"))
        {
            Assert.Equal(HttpStatusCode.OK, tenants.StatusCode);
        }

        using (HttpResponseMessage health = await management.GetAsync("/healthz"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }
    }
}
