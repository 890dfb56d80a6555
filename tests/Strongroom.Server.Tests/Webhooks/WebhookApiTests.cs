using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Strongroom.Core.Webhooks;
using Strongroom.Server.Webhooks;

namespace Strongroom.Server.Tests.Webhooks;

/// <summary>
/// Webhooks end to end: the HTTP API, the dispatcher (driven pass by pass) and a real receiver on loopback. Delivery must be
/// signed (verified here by the documented C# and Node.js recipes), retried until it succeeds exactly once, survive a server
/// restart, dead-letter at the end of its window, and carry no card data.
/// </summary>
public sealed class WebhookApiTests
{
    private static readonly string[] AllScopes = ["tokens:create", "tokens:read", "tokens:delete", "data:out"];

    private static StrongroomApplication NewApp(string? dataDirectory = null)
    {
        StrongroomApplication app = dataDirectory is null ? new StrongroomApplication() : StrongroomApplication.Over(dataDirectory);
        app.Settings["Strongroom:Webhooks:InitialRetryDelay"] = "00:00:10";
        app.Settings["Strongroom:Webhooks:MaxRetryDelay"] = "00:01:00";
        return app;
    }

    private static async Task<(Guid Id, string Secret)> CreateEndpointAsync(StrongroomApplication app, TestTenant tenant, string url, params string[] eventTypes)
    {
        // An endpoint gets the events from its creation on; the test clock stands still, so move it past setup events
        // (the tenant's first API key) first.
        app.Clock.Advance(TimeSpan.FromSeconds(1));
        using HttpResponseMessage response = await tenant.Client.PostAsJsonAsync("/api/webhooks",
            eventTypes.Length == 0 ? new { url } : (object)new { url, event_types = eventTypes });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        JsonElement body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("id").GetGuid(), body.GetProperty("secret").GetString()!);
    }

    private static Task<DispatchResult> PassAsync(StrongroomApplication app) =>
        app.Services.GetRequiredService<WebhookDispatcher>().RunOnceAsync(CancellationToken.None);

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, string path)
    {
        using HttpResponseMessage response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task Endpoint_SecretShownOnce_ValidatedInGuardianShape_NeedsDataOut_IsolatedPerTenant()
    {
        using StrongroomApplication app = NewApp();
        TestTenant tenant = await app.CreateTenantAsync("Merchant", AllScopes);
        TestTenant other = await app.CreateTenantAsync("Other", AllScopes);
        TestTenant readOnly = await app.CreateTenantAsync("Reader", "tokens:read");

        (Guid id, string secret) = await CreateEndpointAsync(app, tenant, "https://hooks.example.com/strongroom", "pci_token.*", "api_key.deleted");

        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        JsonElement listed = await GetJsonAsync(tenant.Client, "/api/webhooks");
        JsonElement one = Assert.Single(listed.GetProperty("data").EnumerateArray());
        Assert.False(one.TryGetProperty("secret", out _));
        Assert.Equal(["pci_token.*", "api_key.deleted"], one.GetProperty("event_types").EnumerateArray().Select(e => e.GetString()));
        Assert.DoesNotContain(secret, (await GetJsonAsync(tenant.Client, $"/api/webhooks/{id}")).GetRawText(), StringComparison.Ordinal);

        using HttpResponseMessage invalid = await tenant.Client.PostAsJsonAsync("/api/webhooks", new { url = "http://hooks.example.com/x", event_types = new[] { "card.stolen" } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.StatusCode);
        string invalidBody = await invalid.Content.ReadAsStringAsync();
        Assert.Contains("$.url", invalidBody, StringComparison.Ordinal);
        Assert.Contains("$.event_types[0]", invalidBody, StringComparison.Ordinal);

        using HttpResponseMessage forbidden = await readOnly.Client.GetAsync("/api/webhooks");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        using HttpResponseMessage foreign = await other.Client.GetAsync($"/api/webhooks/{id}");
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        using HttpResponseMessage foreignDelete = await other.Client.DeleteAsync($"/api/webhooks/{id}");
        Assert.Equal(HttpStatusCode.NotFound, foreignDelete.StatusCode);
        Assert.Empty((await GetJsonAsync(other.Client, "/api/webhooks")).GetProperty("data").EnumerateArray());

        using HttpResponseMessage patched = await tenant.Client.PatchAsJsonAsync($"/api/webhooks/{id}", new { enabled = false, description = "paused" });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        JsonElement paused = await patched.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(paused.GetProperty("enabled").GetBoolean());
        Assert.Equal("paused", paused.GetProperty("description").GetString());

        using HttpResponseMessage deleted = await tenant.Client.DeleteAsync($"/api/webhooks/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Contains("webhook.created", await AuditActionsAsync(app, tenant.Id));
        Assert.Contains("webhook.deleted", await AuditActionsAsync(app, tenant.Id));
    }

    [Fact]
    public async Task TokenCreated_IsDeliveredSigned_VerifiedByTheCSharpAndNodeRecipes_WithoutCardData()
    {
        await using WebhookReceiver receiver = await WebhookReceiver.StartAsync();
        using StrongroomApplication app = NewApp();
        TestTenant tenant = await app.CreateTenantAsync("Merchant", AllScopes);
        (_, string secret) = await CreateEndpointAsync(app, tenant, receiver.Url, "pci_token.created");

        Guid tokenId = Guid.Parse(await tenant.TokenizeIdAsync(TestCards.PanSource(securityCode: "737")));
        DispatchResult pass = await PassAsync(app);

        Assert.Equal((1, 1), (pass.Attempted, pass.Succeeded));
        ReceivedWebhook hook = Assert.Single(receiver.Received);
        string body = Encoding.UTF8.GetString(hook.Body);
        using JsonDocument payload = JsonDocument.Parse(body);
        Assert.Equal("pci_token.created", payload.RootElement.GetProperty("type").GetString());
        Assert.Equal(tokenId, payload.RootElement.GetProperty("data").GetProperty("pci_token_id").GetGuid());
        Assert.Equal("1111", payload.RootElement.GetProperty("data").GetProperty("last4").GetString());
        Assert.Equal(tokenId.ToString(), payload.RootElement.GetProperty("subject_id").GetString());
        Assert.Equal(payload.RootElement.GetProperty("id").GetString(), hook.Header("Strongroom-Event-Id"));
        Assert.Equal("1", hook.Header("Strongroom-Delivery-Attempt"));
        Assert.DoesNotContain(TestCards.Visa, body, StringComparison.Ordinal);
        // The code as a value of its own (ids and timestamps in the payload hold "737" by chance inside longer runs).
        Assert.DoesNotMatch("(?<![0-9A-Za-z])737(?![0-9A-Za-z])", body);
        Assert.DoesNotContain(TestCards.Visa, string.Join("\n", hook.Headers.Values), StringComparison.Ordinal);

        string signature = hook.Header("Strongroom-Signature");
        DateTimeOffset now = app.Clock.GetUtcNow();
        Assert.True(WebhookVerifier.Verify(signature, hook.Body, secret, TimeSpan.FromMinutes(5), now));
        Assert.False(WebhookVerifier.Verify(signature, hook.Body, secret + "x", TimeSpan.FromMinutes(5), now));
        Assert.False(WebhookVerifier.Verify(signature, [.. hook.Body, (byte)' '], secret, TimeSpan.FromMinutes(5), now));
        Assert.False(WebhookVerifier.Verify(signature, hook.Body, secret, TimeSpan.FromMinutes(5), now.AddMinutes(10))); // replayed late

        Assert.Equal("valid", await NodeVerifyAsync(secret, signature, hook.Body, now));
        Assert.Equal("invalid", await NodeVerifyAsync("whsec_wrong", signature, hook.Body, now));

        Assert.Equal(0, (await PassAsync(app)).Attempted); // delivered once, not again
        Assert.DoesNotContain(TestCards.Visa, app.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailingReceiver_IsRetriedWithBackoff_UntilExactlyOneSuccess()
    {
        await using WebhookReceiver receiver = await WebhookReceiver.StartAsync(500, 503, 429);
        using StrongroomApplication app = NewApp();
        TestTenant tenant = await app.CreateTenantAsync("Merchant", AllScopes);
        (Guid endpointId, _) = await CreateEndpointAsync(app, tenant, receiver.Url);
        await tenant.TokenizeAsync(TestCards.PanSource(securityCode: "737"));

        Assert.Equal(1, (await PassAsync(app)).Failed);
        Assert.Equal(0, (await PassAsync(app)).Attempted); // not due yet: backing off
        var gaps = new List<TimeSpan>();
        for (int i = 0; i < 6 && receiver.Received.Count < 4; i++)
        {
            JsonElement pending = Assert.Single((await GetJsonAsync(tenant.Client, $"/api/webhooks/{endpointId}/deliveries?status=pending")).GetProperty("data").EnumerateArray());
            gaps.Add(pending.GetProperty("next_attempt_at").GetDateTimeOffset() - app.Clock.GetUtcNow());
            app.Clock.Advance(TimeSpan.FromMinutes(2));
            await PassAsync(app);
        }

        Assert.Equal([500, 503, 429, 200], receiver.Received.Select(r => r.AnsweredWith));
        Assert.Single(receiver.Received.Select(r => r.Header("Strongroom-Event-Id")).Distinct());
        Assert.Single(receiver.Received.Select(r => Convert.ToBase64String(r.Body)).Distinct()); // the same bytes every time
        Assert.Equal(["1", "2", "3", "4"], receiver.Received.Select(r => r.Header("Strongroom-Delivery-Attempt")));
        Assert.InRange(gaps[0].TotalSeconds, 5, 10);   // first retry: 10 s with jitter in its upper half
        Assert.InRange(gaps[1].TotalSeconds, 10, 20);  // doubled
        Assert.InRange(gaps[2].TotalSeconds, 20, 40);

        string eventId = receiver.Received.First().Header("Strongroom-Event-Id");
        JsonElement attempts = (await GetJsonAsync(tenant.Client, $"/api/webhooks/events/{eventId}/attempts")).GetProperty("data");
        Assert.Equal([500, 503, 429, 200], attempts.EnumerateArray().Select(a => a.GetProperty("status_code").GetInt32()));
        Assert.Single(attempts.EnumerateArray(), a => a.GetProperty("succeeded").GetBoolean());
        JsonElement delivery = Assert.Single((await GetJsonAsync(tenant.Client, $"/api/webhooks/events/{eventId}")).GetProperty("deliveries").EnumerateArray());
        Assert.Equal(("succeeded", 4), (delivery.GetProperty("status").GetString(), delivery.GetProperty("attempts").GetInt32()));

        app.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, (await PassAsync(app)).Attempted);
        Assert.Equal(4, receiver.Received.Count);
    }

    [Fact]
    public async Task ServerRestartMidRetry_LosesNothing_AndTheRetryFinishesOnTheNewProcess()
    {
        await using WebhookReceiver receiver = await WebhookReceiver.StartAsync(500);
        string dataDirectory = Directory.CreateTempSubdirectory("strongroom-webhook-restart-").FullName;
        Guid tenantId;
        string apiKey;
        using (StrongroomApplication first = NewApp(dataDirectory))
        {
            TestTenant tenant = await first.CreateTenantAsync("Merchant", AllScopes);
            (tenantId, apiKey) = (tenant.Id, tenant.ApiKey);
            await CreateEndpointAsync(first, tenant, receiver.Url, "pci_token.created");
            await tenant.TokenizeAsync(TestCards.PanSource(securityCode: "737"));
            Assert.Equal(1, (await PassAsync(first)).Failed);
        }

        using StrongroomApplication second = NewApp(dataDirectory);
        using HttpClient client = second.ApiKeyClient(apiKey);
        second.Clock.Advance(TimeSpan.FromMinutes(2));
        DispatchResult pass = await PassAsync(second);

        Assert.Equal((1, 1), (pass.Attempted, pass.Succeeded));
        Assert.Equal([500, 200], receiver.Received.Select(r => r.AnsweredWith));
        string eventId = receiver.Received.First().Header("Strongroom-Event-Id");
        Assert.Equal(eventId, receiver.Received.Last().Header("Strongroom-Event-Id"));
        JsonElement attempts = (await GetJsonAsync(client, $"/api/webhooks/events/{eventId}/attempts")).GetProperty("data");
        Assert.Equal([false, true], attempts.EnumerateArray().Select(a => a.GetProperty("succeeded").GetBoolean()));
        Assert.NotEqual(Guid.Empty, tenantId);
        second.Dispose();
        Directory.Delete(dataDirectory, recursive: true);
    }

    [Fact]
    public async Task RetryWindowEnds_DeadLettered_ThenManualRedeliverySucceeds()
    {
        await using WebhookReceiver receiver = await WebhookReceiver.StartAsync(500, 500, 500, 500, 500, 500, 500, 500, 500, 500);
        using StrongroomApplication app = NewApp();
        app.Settings["Strongroom:Webhooks:RetryWindow"] = "00:03:00";
        TestTenant tenant = await app.CreateTenantAsync("Merchant", AllScopes);
        (Guid endpointId, _) = await CreateEndpointAsync(app, tenant, receiver.Url, "pci_token.created");
        await tenant.TokenizeAsync(TestCards.PanSource(securityCode: "737"));

        for (int i = 0; i < 8; i++)
        {
            await PassAsync(app);
            app.Clock.Advance(TimeSpan.FromMinutes(1));
        }

        JsonElement dead = Assert.Single((await GetJsonAsync(tenant.Client, $"/api/webhooks/{endpointId}/deliveries?status=dead")).GetProperty("data").EnumerateArray());
        int attemptsBeforeDeath = dead.GetProperty("attempts").GetInt32();
        Assert.InRange(attemptsBeforeDeath, 2, 6);
        Assert.Equal(500, dead.GetProperty("last_status_code").GetInt32());
        Assert.Equal(attemptsBeforeDeath, receiver.Received.Count); // nothing sent after it died
        string eventId = dead.GetProperty("event_id").GetString()!;

        receiver.Received.Clear();
        receiver.ClearScript(); // the receiver is fixed: it answers 200 from now on
        using HttpResponseMessage redeliver = await tenant.Client.PostAsync($"/api/webhooks/events/{eventId}/redeliver", null);
        Assert.Equal(HttpStatusCode.Accepted, redeliver.StatusCode);
        DispatchResult pass = await PassAsync(app);

        Assert.Equal((1, 1), (pass.Attempted, pass.Succeeded));
        Assert.Equal("succeeded", (await GetJsonAsync(tenant.Client, $"/api/webhooks/events/{eventId}")).GetProperty("deliveries")[0].GetProperty("status").GetString());
        Assert.Equal(200, Assert.Single(receiver.Received).AnsweredWith);
        Assert.Contains("webhook.event_redelivered", await AuditActionsAsync(app, tenant.Id));
    }

    [Fact]
    public async Task SecretRotation_SignsWithBothSecretsDuringTheGrace_AndFiltersHoldPerEndpoint()
    {
        await using WebhookReceiver receiver = await WebhookReceiver.StartAsync();
        await using WebhookReceiver keysReceiver = await WebhookReceiver.StartAsync();
        using StrongroomApplication app = NewApp();
        TestTenant tenant = await app.CreateTenantAsync("Merchant", AllScopes);
        (Guid id, string oldSecret) = await CreateEndpointAsync(app, tenant, receiver.Url, "pci_token.*");
        await CreateEndpointAsync(app, tenant, keysReceiver.Url, "api_key.created");

        using HttpResponseMessage rotated = await tenant.Client.PostAsync($"/api/webhooks/{id}/rotate-secret", null);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        JsonElement rotation = await rotated.Content.ReadFromJsonAsync<JsonElement>();
        string newSecret = rotation.GetProperty("secret").GetString()!;
        Assert.True(rotation.TryGetProperty("previous_secret_expires_at", out _));

        Guid tokenId = Guid.Parse(await tenant.TokenizeIdAsync(TestCards.PanSource(securityCode: "737")));
        using (HttpResponseMessage deleted = await tenant.Client.DeleteAsync($"/api/pci/tokens/{tokenId}"))
        {
            Assert.True(deleted.IsSuccessStatusCode);
        }

        await app.CreateApiKeyAsync(tenant.Id);
        await PassAsync(app);

        Assert.Equal(["pci_token.created", "pci_token.deleted"], receiver.Received.Select(r => r.Header("Strongroom-Event-Type")).Order(StringComparer.Ordinal));
        ReceivedWebhook key = Assert.Single(keysReceiver.Received);
        Assert.Equal("api_key.created", key.Header("Strongroom-Event-Type"));
        DateTimeOffset now = app.Clock.GetUtcNow();
        foreach (ReceivedWebhook hook in receiver.Received)
        {
            Assert.True(WebhookVerifier.Verify(hook.Header("Strongroom-Signature"), hook.Body, newSecret, TimeSpan.FromMinutes(5), now));
            Assert.True(WebhookVerifier.Verify(hook.Header("Strongroom-Signature"), hook.Body, oldSecret, TimeSpan.FromMinutes(5), now));
        }

        app.Clock.Advance(TimeSpan.FromHours(25)); // grace over: only the new secret signs
        Assert.False((await GetJsonAsync(tenant.Client, $"/api/webhooks/{id}")).TryGetProperty("previous_secret_expires_at", out _));
        await tenant.TokenizeAsync(TestCards.PanSource(securityCode: "737"));
        await PassAsync(app);
        ReceivedWebhook late = receiver.Received.Last();
        Assert.True(WebhookVerifier.Verify(late.Header("Strongroom-Signature"), late.Body, newSecret, TimeSpan.FromMinutes(5), app.Clock.GetUtcNow()));
        Assert.False(WebhookVerifier.Verify(late.Header("Strongroom-Signature"), late.Body, oldSecret, TimeSpan.FromMinutes(5), app.Clock.GetUtcNow()));

        JsonElement events = (await GetJsonAsync(tenant.Client, "/api/webhooks/events?type=pci_token.deleted")).GetProperty("data");
        Assert.Equal(tokenId.ToString(), Assert.Single(events.EnumerateArray()).GetProperty("subject_id").GetString());
    }

    [Fact]
    public async Task PrivateAddresses_AreRefusedAtConnect_UnlessAllowed()
    {
        await using WebhookReceiver receiver = await WebhookReceiver.StartAsync();
        using StrongroomApplication app = NewApp();
        app.Settings["Strongroom:Webhooks:AllowPrivateNetworks"] = "false";
        TestTenant tenant = await app.CreateTenantAsync("Merchant", AllScopes);

        // A host name is judged after DNS, at connect (an IP literal is refused already when the endpoint is created).
        await CreateEndpointAsync(app, tenant, receiver.Url.Replace("127.0.0.1", "localhost", StringComparison.Ordinal), "pci_token.created");
        await tenant.TokenizeAsync(TestCards.PanSource(securityCode: "737"));

        Assert.Equal(1, (await PassAsync(app)).Failed);

        Assert.Empty(receiver.Received);
        string eventId = (await GetJsonAsync(tenant.Client, "/api/webhooks/events?type=pci_token.created")).GetProperty("data")[0].GetProperty("id").GetString()!;
        JsonElement attempt = Assert.Single((await GetJsonAsync(tenant.Client, $"/api/webhooks/events/{eventId}/attempts")).GetProperty("data").EnumerateArray());
        Assert.Contains("private, loopback or link-local", attempt.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://[::127.0.0.1]/hook")]
    [InlineData("https://[64:ff9b::7f00:1]/hook")]
    [InlineData("https://[64:ff9b:1:a9fe:a9:fe00::]/hook")]
    [InlineData("https://[::ffff:169.254.169.254]/latest/meta-data")]
    [InlineData("https://[2002:a00:1::1]/hook")]
    [InlineData("https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook")]
    [InlineData("https://[fd00::1]/hook")]
    [InlineData("https://127.1/hook")]
    [InlineData("https://0xa9fea9fe/hook")]
    [InlineData("https://100.64.0.1/hook")]
    public async Task CreateOrUpdateEndpoint_ForbiddenIpLiteral_Is422OnUrl_UnlessPrivateNetworksAreAllowed(string url)
    {
        using StrongroomApplication app = NewApp();
        app.Settings["Strongroom:Webhooks:AllowPrivateNetworks"] = "false";
        TestTenant tenant = await app.CreateTenantAsync("Merchant", AllScopes);

        using HttpResponseMessage created = await tenant.Client.PostAsJsonAsync("/api/webhooks", new { url });
        JsonElement error = await GuardianAssert.ValidationAsync(created, "$.url");
        Assert.Contains("AllowPrivateNetworks", error.GetRawText(), StringComparison.Ordinal);

        (Guid id, _) = await CreateEndpointAsync(app, tenant, "https://hooks.example.com/strongroom");
        using HttpResponseMessage updated = await tenant.Client.PatchAsJsonAsync($"/api/webhooks/{id}", new { url });
        await GuardianAssert.ValidationAsync(updated, "$.url");
        Assert.Equal("https://hooks.example.com/strongroom", (await GetJsonAsync(tenant.Client, $"/api/webhooks/{id}")).GetProperty("url").GetString());
    }

    [Fact]
    public async Task Delivery_ToAnEndpointStoredOnIPv6FormsOfLoopback_IsBlockedAtConnect_OncePrivateNetworksAreOff()
    {
        await using WebhookReceiver receiver = await WebhookReceiver.StartAsync();
        string port = new Uri(receiver.Url).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string dataDirectory = Directory.CreateTempSubdirectory("strongroom-webhook-egress-").FullName;
        string apiKey;
        using (StrongroomApplication first = NewApp(dataDirectory))
        {
            // Created while private networks were allowed (or before literals were judged at creation).
            TestTenant tenant = await first.CreateTenantAsync("Merchant", AllScopes);
            apiKey = tenant.ApiKey;
            await CreateEndpointAsync(first, tenant, $"https://[::127.0.0.1]:{port}/hook", "pci_token.created");
            await CreateEndpointAsync(first, tenant, $"https://[64:ff9b::7f00:1]:{port}/hook", "pci_token.created");
        }

        using StrongroomApplication second = NewApp(dataDirectory);
        second.Settings["Strongroom:Webhooks:AllowPrivateNetworks"] = "false";
        using HttpClient client = second.ApiKeyClient(apiKey);
        second.Clock.Advance(TimeSpan.FromMinutes(1)); // each app's test clock starts at the real time: be after the endpoints' creation
        await client.TokenizeAsync(TestCards.PanSource(TestCards.Visa, securityCode: "737"));

        DispatchResult pass = await PassAsync(second);

        Assert.Equal((2, 2), (pass.Attempted, pass.Failed));
        Assert.Empty(receiver.Received);
        string eventId = (await GetJsonAsync(client, "/api/webhooks/events?type=pci_token.created")).GetProperty("data")[0].GetProperty("id").GetString()!;
        JsonElement attempts = (await GetJsonAsync(client, $"/api/webhooks/events/{eventId}/attempts")).GetProperty("data");
        Assert.Equal(2, attempts.GetArrayLength());
        Assert.All(attempts.EnumerateArray(), a => Assert.Contains("private, loopback or link-local", a.GetProperty("error").GetString(), StringComparison.Ordinal));
        second.Dispose();
        Directory.Delete(dataDirectory, recursive: true);
    }

    [Theory]
    [InlineData("https://[::127.0.0.1]:9/hook")]
    [InlineData("https://[64:ff9b::7f00:1]:9/hook")]
    [InlineData("https://[::ffff:127.0.0.1]:9/hook")]
    [InlineData("https://[2002:7f00:1::1]:9/hook")]
    public async Task Transport_IPv6FormCarryingLoopback_IsBlockedBeforeConnecting(string url)
    {
        using var transport = new HttpWebhookTransport(Options.Create(new WebhookOptions { AllowPrivateNetworks = false }));

        WebhookSendResult result = await transport.SendAsync(new WebhookRequest(new Uri(url), "{}"u8.ToArray(), []), CancellationToken.None);

        Assert.Null(result.StatusCode);
        Assert.Contains("private, loopback or link-local", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostedDispatcher_DeliversWithoutBeingAsked()
    {
        await using WebhookReceiver receiver = await WebhookReceiver.StartAsync();
        using StrongroomApplication app = NewApp();
        app.Settings["Strongroom:Webhooks:DispatcherEnabled"] = "true";
        app.Settings["Strongroom:Webhooks:PollInterval"] = "00:00:00.100";
        TestTenant tenant = await app.CreateTenantAsync("Merchant", AllScopes);
        await CreateEndpointAsync(app, tenant, receiver.Url, "pci_token.created");

        await tenant.TokenizeAsync(TestCards.PanSource(securityCode: "737"));

        var clock = Stopwatch.StartNew();
        while (receiver.Received.IsEmpty && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(50);
        }

        Assert.Equal("pci_token.created", Assert.Single(receiver.Received).Header("Strongroom-Event-Type"));
    }

    private static async Task<string> NodeVerifyAsync(string secret, string signature, byte[] body, DateTimeOffset now)
    {
        string bodyFile = Path.GetTempFileName();
        await File.WriteAllBytesAsync(bodyFile, body);
        try
        {
            var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(Path.Combine(RepositoryPaths.Root, "tests", "clients", "verify-webhook.mjs"));
            start.ArgumentList.Add(secret);
            start.ArgumentList.Add(signature);
            start.ArgumentList.Add(bodyFile);
            start.ArgumentList.Add(now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
            using Process node = Process.Start(start)!;
            Task<string> stdout = node.StandardOutput.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await node.WaitForExitAsync(timeout.Token);
            return (await stdout).Trim();
        }
        finally
        {
            File.Delete(bodyFile);
        }
    }

    private static async Task<List<string>> AuditActionsAsync(StrongroomApplication app, Guid tenantId)
    {
        using HttpClient admin = app.AdminClient();
        JsonElement entries = await GetJsonAsync(admin, $"/api/audit?tenant_id={tenantId}&limit=100");
        return [.. entries.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("action").GetString()!)];
    }
}
