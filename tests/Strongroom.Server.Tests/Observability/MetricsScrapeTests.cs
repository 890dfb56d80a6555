using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Strongroom.Core.Telemetry;
using Strongroom.Server.Tests.Forwarding;

namespace Strongroom.Server.Tests.Observability;

/// <summary>
/// A real scrape of <c>/metrics</c> after a known workload: Prometheus's promtool accepts it, each count moved by exactly what the
/// workload did, and nothing in it identifies a card, a token or a secret.
/// </summary>
[Collection(ObservabilityCollection.Name)]
public sealed class MetricsScrapeTests
{
    private static readonly string[] DataOutScopes = ["tokens:create", "tokens:read", "tokens:delete", "data:out"];

    [SkippableFact]
    public async Task Scrape_AfterWorkload_PassesPromtool_AndCountsMoveAsTheWorkloadSays()
    {
        string? skip = Promtool.SkipReason();
        Skip.If(skip is not null, skip);

        using var app = new StrongroomApplication();
        app.Settings["Strongroom:RateLimit:PermitLimit"] = "12";
        app.Settings["Strongroom:RateLimit:Window"] = "12:00:00";
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await app.CreateTenantAsync();
        TestTenant forwarder = await app.CreateTenantAsync("Forwarder", DataOutScopes);
        using HttpClient admin = app.AdminClient();
        using (HttpResponseMessage put = await admin.PutAsJsonAsync($"/api/admin/tenants/{forwarder.Id}/forward-destinations",
            new { destinations = new[] { new { url = processor.BaseUrl, allow_private_network = true, ca_certificate_pem = processor.CertificatePem } } }))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        PrometheusScrape before = await PrometheusScrape.TakeAsync(admin);

        // Workload: 4 tokenizes (3 + 1), reads until the key's limit refuses 3 of them, 1 forward.
        var tokenIds = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            tokenIds.Add(await tenant.TokenizeIdAsync());
        }

        string forwardedId = await forwarder.TokenizeIdAsync(TestCards.PanSource(TestCards.Mastercard, securityCode: "737"));
        tokenIds.Add(forwardedId);
        using (HttpResponseMessage read = await tenant.Client.GetAsync($"/api/pci/tokens/{tokenIds[0]}"))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        (int readsBeforeLimit, int rejected) = await ReadUntilRejectedAsync(tenant.Client, tokenIds[0], rejections: 3);
        Assert.Equal(3, rejected);
        using (var forward = new HttpRequestMessage(HttpMethod.Post, $"/api/pci/tokens/{forwardedId}/forward")
        {
            Content = new StringContent("""{"pan":{{ account_number }},"cvc":{{ security_code }}}""", Encoding.UTF8, "application/json"),
        })
        {
            forward.Headers.TryAddWithoutValidation("x-destination-url", processor.Url("/echo?order=42"));
            using HttpResponseMessage forwarded = await forwarder.Client.SendAsync(forward);
            Assert.Equal(HttpStatusCode.OK, forwarded.StatusCode);
        }

        await app.Services.GetRequiredService<VaultGaugeSampler>().SampleAsync(CancellationToken.None);
        PrometheusScrape after = await PrometheusScrape.TakeAsync(admin);

        (int exitCode, string lint) = await Promtool.CheckMetricsAsync(after.Text);
        Assert.True(exitCode == 0, $"promtool check metrics exited {exitCode}:\n{lint}");

        double Delta(string name, params (string, string)[] labels) => after.Sum(name, labels) - before.Sum(name, labels);
        (string, string) ok = ("http_response_status_code", "200");
        (string, string) guardian = ("dialect", "guardian");

        Assert.Equal(4, Delta("strongroom_tokenize_duration_seconds_count", guardian, ok));
        Assert.Equal(1 + readsBeforeLimit, Delta("strongroom_read_duration_seconds_count", guardian, ok));
        Assert.Equal(3, Delta("strongroom_read_duration_seconds_count", guardian, ("http_response_status_code", "429")));
        Assert.Equal(3, Delta("strongroom_rate_limit_rejections_total", guardian));
        Assert.Equal(1, Delta("strongroom_forward_duration_seconds_count", guardian, ok));
        Assert.Equal(1, Delta("strongroom_forwards_total", ("destination_host", "127.0.0.1"), ("outcome", "2xx")));
        Assert.Equal(1, Delta("strongroom_forward_destination_duration_seconds_count", ("destination_host", "127.0.0.1"), ("outcome", "2xx")));

        // ASP.NET Core's request metric: route template, status, and the dialect label the middleware adds.
        Assert.Equal(4, Delta("http_server_request_duration_seconds_count", ("http_route", "/api/pci/tokens/"), ("http_request_method", "POST"), guardian, ok));
        Assert.Equal(1 + readsBeforeLimit, Delta("http_server_request_duration_seconds_count", ("http_route", "/api/pci/tokens/{id}"), ("http_request_method", "GET"), guardian, ok));

        // The store decorator: one insert per tokenize, on the engine that ran it, and no store errors.
        Assert.Equal(4, Delta("strongroom_store_operation_duration_seconds_count", ("engine", "sqlite"), ("operation", "InsertPciToken")));
        Assert.Equal(0, after.Sum("strongroom_store_errors_total"));

        // The four inserts were committed by the SQLite group-commit writer (one commit holds one or more writes), and the
        // authenticated requests found their API key through the credential cache (a miss loads it, then hits).
        Assert.True(Delta("strongroom_store_group_commit_batch_size_sum", ("engine", "sqlite")) >= 4, "group-commit writes");
        Assert.InRange(Delta("strongroom_store_group_commit_batch_size_count", ("engine", "sqlite")), 1, Delta("strongroom_store_group_commit_batch_size_sum", ("engine", "sqlite")));
        Assert.True(Delta("strongroom_key_cache_lookups_total", ("result", "hit")) + Delta("strongroom_key_cache_lookups_total", ("result", "miss")) >= 4, "credential-cache lookups");

        // State gauges, read by the sampler: CVCs held in memory, the outbox events no dispatcher relayed (it is off in tests), the audit head.
        Assert.Equal(4, after.Sum("strongroom_security_codes_stored"));
        Assert.True(after.Sum("strongroom_webhook_backlog", ("kind", "event")) >= 4, "the four token.created events wait in the outbox");
        Assert.True(after.Sum("strongroom_audit_head_seq") >= 2, "two tenants were created, each audited");
        Assert.True(after.Contains("strongroom_key_rotation_jobs"), "rotation jobs gauge");

        // Process and runtime metrics.
        Assert.Contains(after.Samples, s => s.Name.StartsWith("process_", StringComparison.Ordinal));
        Assert.Contains(after.Samples, s => s.Name.StartsWith("dotnet_", StringComparison.Ordinal));

        // No card number, token id, key, or tenant id (not opted in), and no raw path, anywhere in the scrape.
        string[] forbidden = [TestCards.Visa, TestCards.Mastercard, tenant.ApiKey, forwarder.ApiKey, StrongroomApplication.AdminToken, tenant.Id.ToString(), forwarder.Id.ToString(), .. tokenIds];
        foreach (string secret in forbidden)
        {
            Assert.DoesNotContain(secret, after.Text, StringComparison.OrdinalIgnoreCase);
        }

        // The destination's query never becomes a label. (Its path does appear, as http_route="/echo": the processor is an ASP.NET
        // app in this test process, and ASP.NET Core's meter is subscribed by name, so its own requests are counted too.)
        Assert.DoesNotContain(after.Samples, s => s.Labels.Values.Any(v => v.Contains("order=42", StringComparison.Ordinal)));
        Assert.DoesNotContain(after.Samples, s => s.Name.StartsWith("strongroom_", StringComparison.Ordinal) && s.Labels.Values.Any(v => v.Contains("/echo", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task IncludeTenant_LabelsRequestMetrics_WithTheAuthenticatedTenantId_Only()
    {
        using var app = new StrongroomApplication();
        app.Settings["Strongroom:Metrics:IncludeTenant"] = "true";
        TestTenant tenant = await app.CreateTenantAsync();
        using HttpClient admin = app.AdminClient();

        await tenant.TokenizeIdAsync();
        using (HttpClient anonymous = app.CreateClient())
        {
            anonymous.DefaultRequestHeaders.Add("x-tenant-id", Guid.NewGuid().ToString());
            using HttpResponseMessage refused = await anonymous.PostAsJsonAsync("/api/pci/tokens", new { source = TestCards.PanSource() });
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        PrometheusScrape scrape = await PrometheusScrape.TakeAsync(admin);
        Assert.Equal(1, scrape.Sum("strongroom_tokenize_duration_seconds_count", ("tenant", tenant.Id.ToString())));
        Assert.Equal(1, scrape.Sum("http_server_request_duration_seconds_count", ("http_route", "/api/pci/tokens/"), ("http_response_status_code", "200"), ("tenant", tenant.Id.ToString())));

        // The 401 has no tenant: a tenant id the client merely sent is never a label.
        PrometheusSample unauthorized = Assert.Single(scrape.Named("http_server_request_duration_seconds_count"), s => s.Has(("http_route", "/api/pci/tokens/"), ("http_response_status_code", "401")));
        Assert.False(unauthorized.Labels.ContainsKey("tenant"));
    }

    /// <summary>Reads until the credential's limit refuses <paramref name="rejections"/> reads; returns the reads served before that and the refusals.</summary>
    private static async Task<(int Served, int Rejected)> ReadUntilRejectedAsync(HttpClient client, string tokenId, int rejections)
    {
        int served = 0, rejected = 0;
        for (int i = 0; i < 40 && rejected < rejections; i++)
        {
            using HttpResponseMessage response = await client.GetAsync($"/api/pci/tokens/{tokenId}");
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                rejected++;
            }
            else
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                served++;
            }
        }

        return (served, rejected);
    }
}
