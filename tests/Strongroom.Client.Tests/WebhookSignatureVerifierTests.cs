using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Strongroom.Client.Guardian;
using Strongroom.Client.Tests.Support;
using Strongroom.Client.Webhooks;
using Strongroom.Core.Webhooks;

namespace Strongroom.Client.Tests;

/// <summary><see cref="WebhookSignatureVerifier"/> on real deliveries the vault's dispatcher sent to a loopback receiver.</summary>
[Collection(LiveVaultCollection.Name)]
public sealed class WebhookSignatureVerifierTests(LiveVault vault)
{
    [Fact]
    public async Task RealDelivery_Verifies_AndParses()
    {
        await using LoopbackReceiver receiver = await LoopbackReceiver.StartAsync();
        (string key, string secret, _) = await EndpointAsync(receiver);
        PciToken token = await vault.Guardian(key).PciTokens.CreateAsync(Cards.Guardian());

        ReceivedRequest delivery = await DeliverAsync(receiver, "pci_token.created");
        using ServiceProvider services = vault.Clients((s, _) => s.AddStrongroomWebhookVerifier(o => o.Secrets.Add(secret)));
        WebhookSignatureVerifier verifier = services.GetRequiredService<WebhookSignatureVerifier>();
        WebhookEvent parsed = verifier.VerifyAndParse(delivery.Header(WebhookSignatureVerifier.SignatureHeader), delivery.Body);

        Assert.Equal("pci_token.created", parsed.Type);
        Assert.Equal(token.Id.ToString(), parsed.SubjectId);
        Assert.Equal("1111", parsed.Data.GetProperty("last4").GetString());
        Assert.Equal(delivery.Header("strongroom-event-id"), parsed.Id.ToString());
    }

    [Fact]
    public async Task TamperedBody_WrongSecret_StaleTimestamp_AndMissingHeader_AreRefused()
    {
        await using LoopbackReceiver receiver = await LoopbackReceiver.StartAsync();
        (string key, string secret, _) = await EndpointAsync(receiver);
        await vault.Guardian(key).PciTokens.CreateAsync(Cards.Guardian());
        ReceivedRequest delivery = await DeliverAsync(receiver, "pci_token.created");
        string header = delivery.Header(WebhookSignatureVerifier.SignatureHeader);
        byte[] tampered = [.. delivery.Body];
        tampered[^2] ^= 0x01;

        var verifier = new WebhookSignatureVerifier(secret);
        var later = new WebhookSignatureVerifier(secret, TimeSpan.FromMinutes(5), new ShiftedClock(TimeSpan.FromMinutes(6)));

        Assert.Equal(WebhookVerificationResult.Valid, verifier.Verify(header, delivery.Body));
        Assert.Equal(WebhookVerificationResult.NoMatchingSignature, verifier.Verify(header, tampered));
        Assert.Equal(WebhookVerificationResult.NoMatchingSignature, new WebhookSignatureVerifier("whsec_wrong").Verify(header, delivery.Body));
        Assert.Equal(WebhookVerificationResult.TimestampOutsideTolerance, later.Verify(header, delivery.Body));
        Assert.Equal(WebhookVerificationResult.MissingSignature, verifier.Verify(null, delivery.Body));
        Assert.Equal(WebhookVerificationResult.MalformedSignature, verifier.Verify("v1=abc", delivery.Body));
        WebhookSignatureException thrown = Assert.Throws<WebhookSignatureException>(() => verifier.VerifyAndParse(header, tampered));
        Assert.Equal(WebhookVerificationResult.NoMatchingSignature, thrown.Result);
    }

    [Fact]
    public async Task DuringARotation_BothSecretsVerify()
    {
        await using LoopbackReceiver receiver = await LoopbackReceiver.StartAsync();
        (string key, string oldSecret, Guid endpointId) = await EndpointAsync(receiver);
        string newSecret = await RotateAsync(key, endpointId);
        await vault.Guardian(key).PciTokens.CreateAsync(Cards.Guardian());

        ReceivedRequest delivery = await DeliverAsync(receiver, "pci_token.created");
        string header = delivery.Header(WebhookSignatureVerifier.SignatureHeader);

        Assert.Equal(2, header.Split(',').Count(part => part.StartsWith("v1=", StringComparison.Ordinal)));
        Assert.True(new WebhookSignatureVerifier(oldSecret).IsValid(header, delivery.Body));
        Assert.True(new WebhookSignatureVerifier(newSecret).IsValid(header, delivery.Body));
        Assert.True(new WebhookSignatureVerifier([oldSecret, newSecret]).IsValid(header, delivery.Body));
        Assert.False(new WebhookSignatureVerifier("whsec_neither").IsValid(header, delivery.Body));
    }

    /// <summary>A tenant, its key, and a webhook endpoint for PCI token events pointing at <paramref name="receiver"/>.</summary>
    private async Task<(string ApiKey, string Secret, Guid EndpointId)> EndpointAsync(LoopbackReceiver receiver)
    {
        (_, string key) = await vault.CreateTenantAsync();
        using HttpClient client = vault.CreateClient();
        client.DefaultRequestHeaders.Add("x-api-key", key);
        using HttpResponseMessage response = await client.PostAsJsonAsync("/api/webhooks", new { url = receiver.BaseUrl + "/hooks", event_types = new[] { "pci_token.*" } });
        response.EnsureSuccessStatusCode();
        JsonElement body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (key, body.GetProperty("secret").GetString()!, body.GetProperty("id").GetGuid());
    }

    private async Task<string> RotateAsync(string key, Guid endpointId)
    {
        using HttpClient client = vault.CreateClient();
        client.DefaultRequestHeaders.Add("x-api-key", key);
        using HttpResponseMessage response = await client.PostAsync($"/api/webhooks/{endpointId}/rotate-secret", null);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;
    }

    /// <summary>Runs dispatcher passes until the receiver has a delivery of <paramref name="type"/>.</summary>
    private async Task<ReceivedRequest> DeliverAsync(LoopbackReceiver receiver, string type)
    {
        WebhookDispatcher dispatcher = vault.Services.GetRequiredService<WebhookDispatcher>();
        for (int pass = 0; pass < 5; pass++)
        {
            await dispatcher.RunOnceAsync(CancellationToken.None);
            if (receiver.Received.FirstOrDefault(r => r.Header("strongroom-event-type") == type) is { } delivery)
            {
                return delivery;
            }
        }

        throw new Xunit.Sdk.XunitException($"No {type} delivery after five dispatcher passes.");
    }
}
