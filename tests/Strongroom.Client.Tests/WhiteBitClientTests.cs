using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Strongroom.Client.Tests.Support;
using Strongroom.Client.WhiteBit;

namespace Strongroom.Client.Tests;

/// <summary>The WhiteBIT v4 client and its signing handler against the live vault: sub-accounts, their keys, nonces and the nonce window.</summary>
[Collection(LiveVaultCollection.Name)]
public sealed class WhiteBitClientTests(LiveVault vault)
{
    [Fact]
    public async Task SubAccountsAndTheirKeys_ThroughSignedRequests()
    {
        (_, string apiKey, string apiSecret) = await vault.CreateSigningKeyAsync();
        using ServiceProvider services = Signed(apiKey, apiSecret);
        WhiteBitClient whiteBit = services.GetRequiredService<WhiteBitClient>();

        WhiteBitSubAccount sub = await whiteBit.CreateSubAccountAsync("Desk 7");
        WhiteBitPage<WhiteBitSubAccount> subs = await whiteBit.ListSubAccountsAsync(limit: 10);
        WhiteBitApiKey key = await whiteBit.CreateApiKeyAsync(sub.Id, type: 1, title: "pos");
        WhiteBitApiKey edited = await whiteBit.EditApiKeyAsync(new WhiteBitApiKeyEdit(sub.Id, key.Id, Title: "pos-2", RestrictAccess: true, AccessEndpoints: ["/api/v4/jwt"]));
        WhiteBitApiKey reset = await whiteBit.ResetApiKeyAsync(sub.Id, key.Id);
        WhiteBitPage<WhiteBitApiKey> keys = await whiteBit.ListApiKeysAsync(sub.Id);
        await whiteBit.DeleteApiKeyAsync(sub.Id, key.Id);
        WhiteBitPage<WhiteBitApiKey> afterDelete = await whiteBit.ListApiKeysAsync(sub.Id);

        Assert.Equal("Desk 7", Assert.Single(subs.Data, s => s.Id == sub.Id).Alias);
        Assert.False(string.IsNullOrEmpty(key.ApiSecret));
        Assert.DoesNotContain(key.ApiSecret, key.ToString(), StringComparison.Ordinal);
        Assert.Equal(("pos-2", true), (edited.Title, edited.RestrictAccess));
        Assert.Equal("/api/v4/jwt", Assert.Single(edited.AccessEndpoints).Name);
        Assert.NotEqual(key.ApiSecret, reset.ApiSecret);
        Assert.Equal("", Assert.Single(keys.Data).ApiSecret);
        Assert.Empty(afterDelete.Data);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ConcurrentCalls_OnOneKey_AllSucceed(bool nonceWindow)
    {
        (_, string apiKey, string apiSecret) = await vault.CreateSigningKeyAsync();
        using ServiceProvider services = Signed(apiKey, apiSecret, nonceWindow: nonceWindow);

        // Separate typed-client instances at once. Strict nonces must reach the vault in order (the handler sends one at a
        // time per key); windowed nonces need only be distinct.
        WhiteBitPage<WhiteBitSubAccount>[] pages = await Task.WhenAll(Enumerable.Range(0, 12)
            .Select(_ => services.GetRequiredService<WhiteBitClient>().ListSubAccountsAsync()));

        Assert.Equal(12, pages.Length);
        Assert.All(pages, page => Assert.Equal(30, page.Limit));
    }

    [Fact]
    public async Task TwoProcessesOnOneKey_NeedTheNonceWindow()
    {
        (_, string apiKey, string apiSecret) = await vault.CreateSigningKeyAsync();

        // Process A's clock runs a minute ahead: its nonces are above anything process B makes meanwhile. Strict nonces
        // have no window, so the vault takes A's and refuses B's.
        using ServiceProvider ahead = Signed(apiKey, apiSecret, new ShiftedClock(TimeSpan.FromMinutes(1)));
        using ServiceProvider behind = Signed(apiKey, apiSecret);
        await ahead.GetRequiredService<WhiteBitClient>().ListSubAccountsAsync();
        WhiteBitApiException strict = await Assert.ThrowsAsync<WhiteBitApiException>(() => behind.GetRequiredService<WhiteBitClient>().ListSubAccountsAsync());

        // In the window (±5 s of the vault's clock) a nonce need only be unused: B's lower nonce after A's is accepted.
        using ServiceProvider aheadWindowed = Signed(apiKey, apiSecret, new ShiftedClock(TimeSpan.FromSeconds(2)), nonceWindow: true);
        using ServiceProvider behindWindowed = Signed(apiKey, apiSecret, nonceWindow: true);
        await aheadWindowed.GetRequiredService<WhiteBitClient>().ListSubAccountsAsync();
        WhiteBitPage<WhiteBitSubAccount> windowed = await behindWindowed.GetRequiredService<WhiteBitClient>().ListSubAccountsAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, strict.StatusCode);
        Assert.Equal("Too many requests.", strict.ErrorMessage);
        Assert.NotNull(windowed);
    }

    [Fact]
    public async Task WrongSecret_IsUnauthorized_AndValidationErrorsAreParsed()
    {
        (_, string apiKey, string apiSecret) = await vault.CreateSigningKeyAsync();
        using ServiceProvider wrong = Signed(apiKey, apiSecret + "x");
        using ServiceProvider right = Signed(apiKey, apiSecret);

        WhiteBitApiException forged = await Assert.ThrowsAsync<WhiteBitApiException>(() => wrong.GetRequiredService<WhiteBitClient>().ListSubAccountsAsync());
        WhiteBitApiException invalid = await Assert.ThrowsAsync<WhiteBitApiException>(() => right.GetRequiredService<WhiteBitClient>().CreateApiKeyAsync(Guid.NewGuid().ToString(), type: 9));

        Assert.Equal((HttpStatusCode.Unauthorized, "Unauthorized request."), (forged.StatusCode!.Value, forged.ErrorMessage));
        Assert.Equal((HttpStatusCode.BadRequest, 30), (invalid.StatusCode!.Value, invalid.Code));
        Assert.Contains("type", invalid.Errors.Keys);
        Assert.Contains("subAccountId", invalid.Errors.Keys);
    }

    [Fact]
    public async Task SigningHandler_WritesTheDocumentedHeaders()
    {
        var options = new WhiteBitClientOptions { BaseAddress = new Uri("http://vault.test/"), ApiKey = "public-key", ApiSecret = "secret", UseNonceWindow = true };
        var capture = new CapturingHandler();
        using var handler = new WhiteBitSigningHandler(options, new WhiteBitNonceSource()) { InnerHandler = capture };
        using var http = new HttpClient(handler) { BaseAddress = options.BaseAddress };

        using HttpResponseMessage response = await http.PostAsync("/api/v4/sub-account/list", new StringContent("""{"limit":5}""", System.Text.Encoding.UTF8, "application/json"));

        HttpRequestMessage sent = capture.Request!;
        string payload = sent.Headers.GetValues(WhiteBitSigningHandler.PayloadHeader).Single();
        string body = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(payload));
        using var json = System.Text.Json.JsonDocument.Parse(body);
        string expected = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA512.HashData("secret"u8, System.Text.Encoding.ASCII.GetBytes(payload)));
        Assert.Equal("public-key", sent.Headers.GetValues(WhiteBitSigningHandler.ApiKeyHeader).Single());
        Assert.Equal(expected, sent.Headers.GetValues(WhiteBitSigningHandler.SignatureHeader).Single());
        Assert.Equal(body, capture.Body);
        Assert.Equal(5, json.RootElement.GetProperty("limit").GetInt32());
        Assert.Equal("/api/v4/sub-account/list", json.RootElement.GetProperty("request").GetString());
        Assert.True(json.RootElement.GetProperty("nonceWindow").GetBoolean());
        Assert.InRange(json.RootElement.GetProperty("nonce").GetInt64(), DateTimeOffset.UtcNow.AddSeconds(-5).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.AddSeconds(1).ToUnixTimeMilliseconds());
    }

    [Fact]
    public void NonceSource_NeverRepeats_EvenWhenTheClockStandsStill()
    {
        var source = new WhiteBitNonceSource(new FrozenClock(DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000)));
        long[] nonces = [.. Enumerable.Range(0, 1000).AsParallel().Select(_ => source.Next())];

        Assert.Equal(1000, nonces.Distinct().Count());
        Assert.Equal(1_800_000_000_000, nonces.Min());
    }

    private ServiceProvider Signed(string apiKey, string apiSecret, TimeProvider? time = null, bool nonceWindow = false) =>
        vault.Clients((services, address) => services.AddStrongroomWhiteBitClient(o =>
        {
            o.BaseAddress = address;
            o.ApiKey = apiKey;
            o.ApiSecret = apiSecret;
            o.UseNonceWindow = nonceWindow;
        }), time);

    private sealed class FrozenClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private sealed class CapturingHandler : HttpMessageHandler
    {
        public HttpRequestMessage? Request { get; private set; }

        public string? Body { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Request = request;
            Body = await request.Content!.ReadAsStringAsync(cancellationToken);
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{}") };
        }
    }
}
