using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Strongroom.Core.Webhooks;

namespace Strongroom.Server.Tests.Webhooks;

/// <summary>
/// A failed webhook delivery is logged with its reason (DNS, connection refused, timeout, TLS, the receiver's HTTP status),
/// and the same reason is on the recorded attempt: never the bare "status 0" an operator cannot act on.
/// </summary>
public sealed class WebhookFailureLoggingTests
{
    private static readonly string[] AllScopes = ["tokens:create", "tokens:read", "tokens:delete", "data:out"];

    [Fact]
    public async Task HttpStatus_IsTheReason()
    {
        await using WebhookReceiver receiver = await WebhookReceiver.StartAsync(503);

        (string log, string attemptError) = await FailOnceAsync(receiver.Url);

        Assert.Contains("The receiver answered HTTP 503.", log, StringComparison.Ordinal);
        Assert.Equal("The receiver answered HTTP 503.", attemptError);
    }

    [Fact]
    public async Task ConnectionRefused_IsTheReason()
    {
        int closedPort = ClosedPort();

        (string log, string attemptError) = await FailOnceAsync($"http://127.0.0.1:{closedPort}/hooks");

        Assert.Contains($"Connection refused by 127.0.0.1:{closedPort}.", log, StringComparison.Ordinal);
        Assert.Contains("Connection refused", attemptError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DnsFailure_IsTheReason()
    {
        // .invalid never resolves (RFC 2606).
        (string log, string attemptError) = await FailOnceAsync("https://receiver.strongroom.invalid/hooks");

        Assert.Contains("DNS failure: the host name receiver.strongroom.invalid did not resolve.", log, StringComparison.Ordinal);
        Assert.StartsWith("DNS failure", attemptError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Timeout_IsTheReason()
    {
        // Accepts the connection and never answers.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        int port = ((IPEndPoint)silent.LocalEndpoint).Port;

        (string log, string attemptError) = await FailOnceAsync($"http://127.0.0.1:{port}/hooks", ("Strongroom:Webhooks:Timeout", "00:00:01"));

        Assert.Contains($"Timed out: 127.0.0.1:{port} did not answer within 1 s.", log, StringComparison.Ordinal);
        Assert.StartsWith("Timed out", attemptError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TlsFailure_IsTheReason()
    {
        // TLS spoken to a plain-HTTP receiver: the handshake fails.
        await using WebhookReceiver receiver = await WebhookReceiver.StartAsync();
        var plain = new Uri(receiver.Url);

        (string log, string attemptError) = await FailOnceAsync($"https://127.0.0.1:{plain.Port}/hooks");

        Assert.Contains($"TLS handshake with 127.0.0.1:{plain.Port} failed", log, StringComparison.Ordinal);
        Assert.StartsWith("TLS handshake", attemptError, StringComparison.Ordinal);
    }

    /// <summary>Creates an endpoint at <paramref name="url"/>, tokenizes once, runs one dispatcher pass; returns the failure log line and the attempt's error.</summary>
    private static async Task<(string Log, string AttemptError)> FailOnceAsync(string url, params (string Key, string Value)[] settings)
    {
        using var app = new StrongroomApplication();
        foreach ((string key, string value) in settings)
        {
            app.Settings[key] = value;
        }

        TestTenant tenant = await app.CreateTenantAsync("Merchant", AllScopes);
        app.Clock.Advance(TimeSpan.FromSeconds(1)); // past the setup events
        using HttpResponseMessage created = await tenant.Client.PostAsJsonAsync("/api/webhooks", new { url, event_types = new[] { "pci_token.created" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await tenant.TokenizeAsync(TestCards.PanSource());

        DispatchResult pass = await app.Services.GetRequiredService<WebhookDispatcher>().RunOnceAsync(CancellationToken.None);

        Assert.Equal(1, pass.Failed);
        string line = Assert.Single(app.Logs.Entries, e => e.Contains("Webhook delivery of event", StringComparison.Ordinal) && e.Contains("failed (attempt 1)", StringComparison.Ordinal));
        Assert.DoesNotContain("status 0", line, StringComparison.Ordinal);
        Assert.DoesNotContain(TestCards.Visa, app.Logs.AllText, StringComparison.Ordinal);

        using HttpResponseMessage events = await tenant.Client.GetAsync("/api/webhooks/events?limit=10");
        JsonElement eventList = await events.Content.ReadFromJsonAsync<JsonElement>();
        string eventId = eventList.GetProperty("data").EnumerateArray().First(e => e.GetProperty("type").GetString() == "pci_token.created").GetProperty("id").GetString()!;
        using HttpResponseMessage attempts = await tenant.Client.GetAsync($"/api/webhooks/events/{eventId}/attempts");
        JsonElement attempt = Assert.Single((await attempts.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data").EnumerateArray());
        return (line, attempt.GetProperty("error").GetString()!);
    }

    private static int ClosedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port; // closed again when disposed
    }
}
