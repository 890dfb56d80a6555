using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using Strongroom.Core.Webhooks;
using Strongroom.Server.Tests.Forwarding;
using Strongroom.Server.Tests.Webhooks;

namespace Strongroom.Server.Tests.Observability;

/// <summary>
/// Spans with <c>Strongroom:Tracing:OtlpEndpoint</c> set, collected by OpenTelemetry's in-memory exporter: the request, its store
/// calls and key provider calls as children, forwarding and webhook delivery; and no card data, token id or secret in any attribute.
/// </summary>
[Collection(ObservabilityCollection.Name)]
public sealed class TraceTests
{
    private static readonly string[] DataOutScopes = ["tokens:create", "tokens:read", "tokens:delete", "data:out"];

    [Fact]
    public async Task Spans_CoverRequestStoreKeysForwardAndWebhook_WithoutCardDataOrIds()
    {
        var spans = new List<Activity>();
        using var app = new StrongroomApplication();
        // A closed port: the OTLP exporter only has to be configured; the in-memory exporter is what the test reads.
        app.Settings["Strongroom:Tracing:OtlpEndpoint"] = "http://127.0.0.1:9";
        using WebApplicationFactory<Program> traced = app.WithWebHostBuilder(builder =>
            builder.ConfigureTestServices(services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans))));

        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        await using WebhookReceiver receiver = await WebhookReceiver.StartAsync();
        using HttpClient admin = traced.CreateClient();
        admin.DefaultRequestHeaders.Add("x-admin-token", StrongroomApplication.AdminToken);
        Guid tenantId = await CreateTenantAsync(admin);
        string apiKey = await CreateApiKeyAsync(admin, tenantId);
        using HttpClient client = traced.CreateClient();
        client.DefaultRequestHeaders.Add("x-api-key", apiKey);
        using (HttpResponseMessage put = await admin.PutAsJsonAsync($"/api/admin/tenants/{tenantId}/forward-destinations",
            new { destinations = new[] { new { url = processor.BaseUrl, allow_private_network = true, ca_certificate_pem = processor.CertificatePem } } }))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        app.Clock.Advance(TimeSpan.FromSeconds(1));
        using (HttpResponseMessage hook = await client.PostAsJsonAsync("/api/webhooks", new { url = receiver.Url }))
        {
            Assert.Equal(HttpStatusCode.Created, hook.StatusCode);
        }

        string tokenId = await client.TokenizeIdAsync(TestCards.PanSource(TestCards.Visa, securityCode: "737"));
        using (var forward = new HttpRequestMessage(HttpMethod.Post, $"/api/pci/tokens/{tokenId}/forward")
        {
            Content = new StringContent("""{"pan":{{ account_number }},"cvc":{{ security_code }}}""", Encoding.UTF8, "application/json"),
        })
        {
            forward.Headers.TryAddWithoutValidation("x-destination-url", processor.Url("/echo?order=42"));
            using HttpResponseMessage forwarded = await client.SendAsync(forward);
            Assert.Equal(HttpStatusCode.OK, forwarded.StatusCode);
        }

        DispatchResult pass = await traced.Services.GetRequiredService<WebhookDispatcher>().RunOnceAsync(CancellationToken.None);
        Assert.True(pass.Succeeded >= 1, $"a webhook was delivered ({pass})");
        traced.Services.GetRequiredService<TracerProvider>().ForceFlush();

        // The delivery is counted too (the metric name as Prometheus renders it).
        PrometheusScrape scrape = await PrometheusScrape.TakeAsync(admin);
        Assert.True(scrape.Sum("strongroom_webhook_deliveries_total", ("outcome", "succeeded")) >= 1, "a succeeded delivery is counted");

        Activity[] all;
        lock (spans)
        {
            all = [.. spans];
        }

        // The tokenize request is a server span; its store insert and its keyring's work are its descendants.
        Activity tokenize = Assert.Single(all, s => s.Kind == ActivityKind.Server && s.DisplayName == "POST /api/pci/tokens/");
        Assert.Equal("/api/pci/tokens/", tokenize.GetTagItem("http.route"));
        Activity insert = Assert.Single(all, s => s.DisplayName == "store.InsertPciToken");
        Assert.Equal(tokenize.TraceId, insert.TraceId);
        Assert.True(IsDescendant(insert, tokenize, all), "the store insert is a child of the tokenize request");
        Assert.Equal("sqlite", insert.GetTagItem("db.system.name"));

        // Creating a tenant wraps its keys at the key provider, inside that request's trace.
        Activity createTenant = Assert.Single(all, s => s.Kind == ActivityKind.Server && s.DisplayName == "POST /api/admin/tenants");
        Assert.Contains(all, s => s.DisplayName == "keys.wrap" && IsDescendant(s, createTenant, all));

        // Forwarding: the vault's span and the outgoing HTTP call under it, which carries the destination host but no path or query.
        Activity forwardRequest = Assert.Single(all, s => s.Kind == ActivityKind.Server && s.DisplayName == "POST /api/pci/tokens/{id}/forward");
        Activity send = Assert.Single(all, s => s.DisplayName == "forward.send");
        Assert.True(IsDescendant(send, forwardRequest, all), "forward.send is inside the forward request");
        Assert.Equal("2xx", send.GetTagItem("strongroom.forward.outcome"));
        Activity outgoing = Assert.Single(all, s => s.Kind == ActivityKind.Client && s.ParentSpanId == send.SpanId);
        Assert.Equal($"https://127.0.0.1:{processor.Port}/", outgoing.GetTagItem("url.full"));

        // Webhook delivery: one span per attempt with its outcome, its HTTP POST beneath it.
        Activity delivery = Assert.Single(all, s => s.DisplayName == "webhook.deliver" && (string?)s.GetTagItem("strongroom.webhook.event_type") == "pci_token.created");
        Assert.Equal("succeeded", delivery.GetTagItem("strongroom.webhook.outcome"));
        Assert.Contains(all, s => s.Kind == ActivityKind.Client && s.ParentSpanId == delivery.SpanId);

        // No span attribute or name carries card data (the processor's and receiver's own server spans, in this process, included), the token id, the tenant's key or the admin token; server spans show route templates.
        string[] forbidden = [TestCards.Visa, tokenId, apiKey, StrongroomApplication.AdminToken, "order=42"];
        foreach (Activity span in all)
        {
            string text = span.DisplayName + " " + string.Join(' ', span.TagObjects.Select(t => t.Key + "=" + t.Value)) + " " +
                string.Join(' ', span.Events.Select(e => e.Name + string.Join(' ', e.Tags.Select(t => t.Key + "=" + t.Value))));
            foreach (string secret in forbidden)
            {
                Assert.DoesNotContain(secret, text, StringComparison.OrdinalIgnoreCase);
            }
        }

        Assert.Contains(all, s => s.Kind == ActivityKind.Server && (string?)s.GetTagItem("url.path") == "/api/pci/tokens/{id}/forward");
    }

    private static bool IsDescendant(Activity span, Activity ancestor, IReadOnlyList<Activity> all)
    {
        Activity? current = span;
        for (int depth = 0; current is not null && depth < 32; depth++)
        {
            if (current.ParentSpanId == ancestor.SpanId)
            {
                return true;
            }

            ActivitySpanId parent = current.ParentSpanId;
            current = all.FirstOrDefault(s => s.SpanId == parent);
        }

        return false;
    }

    private static async Task<Guid> CreateTenantAsync(HttpClient admin)
    {
        using HttpResponseMessage response = await admin.PostAsJsonAsync("/api/admin/tenants", new { name = "Traced" });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private static async Task<string> CreateApiKeyAsync(HttpClient admin, Guid tenantId)
    {
        using HttpResponseMessage response = await admin.PostAsJsonAsync("/api/admin/api-keys", new { tenant_id = tenantId, scopes = DataOutScopes });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }
}
