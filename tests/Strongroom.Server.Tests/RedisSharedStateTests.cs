using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Strongroom.Server.Tests;

/// <summary>
/// Two nodes (two applications over one data directory and key file) sharing one real Redis (<c>STRONGROOM_TEST_REDIS</c>):
/// rate limits, windowed nonces, ephemeral CVCs and fiat-gateway JWT keys are the same on both. Each test uses its own key prefix.
/// </summary>
public sealed class RedisSharedStateTests : IDisposable
{
    private readonly List<StrongroomApplication> _apps = [];
    private readonly string _prefix = "srtest-" + Guid.NewGuid().ToString("N")[..12] + ":";

    public RedisSharedStateTests()
    {
        string? skip = RedisTestEnvironment.SkipReason();
        Skip.If(skip is not null, skip);
    }

    [SkippableFact]
    public async Task RateLimit_IsCountedAcrossNodes()
    {
        // Fixed windows start on wall-clock multiples of the window: with one of 12 hours the six requests cannot
        // straddle a boundary (with a minute they did, about one run in thirty, and the count restarted).
        (StrongroomApplication a, StrongroomApplication b) = TwoNodes(("Strongroom:RateLimit:PermitLimit", "4"), ("Strongroom:RateLimit:Window", "12:00:00"));
        TestTenant tenant = await a.CreateTenantAsync();
        using HttpClient onA = a.ApiKeyClient(tenant.ApiKey);
        using HttpClient onB = b.ApiKeyClient(tenant.ApiKey);

        var statuses = new List<HttpStatusCode>();
        foreach (HttpClient client in new[] { onA, onB, onA, onB, onA, onB })
        {
            using HttpResponseMessage response = await client.GetAsync("/api/pci/tokens?limit=1");
            statuses.Add(response.StatusCode);
        }

        // Four permits for the key in the window, whichever node serves: the fifth and sixth requests are refused.
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
    }

    [SkippableFact]
    public async Task SecurityCode_IsSealedInRedisWithATtl_AndVisibleFromTheOtherNode()
    {
        (StrongroomApplication a, StrongroomApplication b) = TwoNodes();
        TestTenant tenant = await a.CreateTenantAsync();
        JsonElement created = await tenant.TokenizeAsync(TestCards.PanSource(TestCards.Amex, securityCode: "8642"), expiresIn: 600);
        string id = created.GetProperty("id").GetString()!;

        await using ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(RedisTestEnvironment.Configuration!);
        IDatabase db = redis.GetDatabase();
        RedisKey key = _prefix + "cvc:" + tenant.Id.ToString("N") + ":" + Guid.Parse(id).ToString("N");
        byte[]? stored = await db.StringGetAsync(key);
        TimeSpan? ttl = await db.KeyTimeToLiveAsync(key);

        Assert.NotNull(stored);
        Assert.True(stored.AsSpan().IndexOf(Encoding.ASCII.GetBytes("8642")) < 0, "the CVC is in Redis in plaintext");
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(600));
        string sharedKey = (string?)await db.StringGetAsync(_prefix + "keys:shared") ?? "";
        Assert.Contains("\"Blob\"", sharedKey, StringComparison.Ordinal); // only the wrapped form of the sealing key is in Redis

        using HttpClient onB = b.ApiKeyClient(tenant.ApiKey);
        using HttpResponseMessage fromB = await onB.GetAsync($"/api/pci/tokens/{id}/security-code");
        Assert.Equal(HttpStatusCode.OK, fromB.StatusCode);
        Assert.DoesNotContain("8642", await fromB.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using HttpResponseMessage deleted = await onB.DeleteAsync($"/api/pci/tokens/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.False(await db.KeyExistsAsync(key), "deleting the token on node B did not drop its CVC from Redis");
    }

    [SkippableFact]
    public async Task KekRotationDestroyingOldVersions_RewrapsTheSharedKey_ANodeStartedAfterwardsReadsTheCodes()
    {
        (StrongroomApplication a, _) = TwoNodes();
        TestTenant tenant = await a.CreateTenantAsync();
        JsonElement created = await tenant.TokenizeAsync(TestCards.PanSource(TestCards.Amex, securityCode: "8642"), expiresIn: 600);
        Guid id = Guid.Parse(created.GetProperty("id").GetString()!);
        await using ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(RedisTestEnvironment.Configuration!);
        IDatabase db = redis.GetDatabase();
        using JsonDocument before = JsonDocument.Parse((string?)await db.StringGetAsync(_prefix + "keys:shared") ?? "{}");

        Strongroom.Core.Keys.KekRotation rotation = await a.Services.GetRequiredService<Strongroom.Core.Keys.KeyRotationService>()
            .RotateKekAsync(destroyOldVersions: true, null, CancellationToken.None);
        using JsonDocument after = JsonDocument.Parse((string?)await db.StringGetAsync(_prefix + "keys:shared") ?? "{}");

        // A node that starts now never held the shared key unwrapped, and KEK version 1 no longer exists.
        var c = StrongroomApplication.Over(a.DataDirectory);
        _apps.Add(c);
        Configure(c, []);
        _ = c.Server;
        string? code = c.Services.GetRequiredService<Strongroom.Core.SecurityCodes.ISecurityCodeStore>().Read(tenant.Id, id);

        Assert.Equal([1], rotation.DestroyedVersions);
        Assert.Equal(1, before.RootElement.GetProperty("KekVersion").GetInt32());
        Assert.Equal(2, after.RootElement.GetProperty("KekVersion").GetInt32());
        Assert.Equal(before.RootElement.GetProperty("Id").GetString(), after.RootElement.GetProperty("Id").GetString()); // same key, re-wrapped
        Assert.Equal("8642", code);
    }

    [SkippableFact]
    public async Task GatewayJwt_IssuedOnOneNode_IsAcceptedByTheOther()
    {
        (StrongroomApplication a, StrongroomApplication b) = TwoNodes();
        (_, WhiteBitSigner signer) = await WhiteBitSigner.CreateAccountAsync(a);
        using HttpResponseMessage issued = await signer.PostAsync("/api/v4/jwt", new { nonceWindow = false });
        Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
        string jwt = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data").GetProperty("token").GetString()!;

        using HttpClient onB = b.CreateClient();
        onB.DefaultRequestHeaders.Add("Authorization", "Bearer " + jwt);
        using HttpResponseMessage response = await onB.PostAsJsonAsync("/api/card-token", new { cardNumber = TestCards.Visa });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [SkippableFact]
    public async Task WindowedNonce_ReplayedToTheOtherNode_IsRefused()
    {
        (StrongroomApplication a, StrongroomApplication b) = TwoNodes();
        (_, WhiteBitSigner onA) = await WhiteBitSigner.CreateAccountAsync(a);
        long nonce = a.Clock.GetUtcNow().ToUnixTimeMilliseconds();

        using HttpRequestMessage first = onA.Build("/api/v4/jwt", new { }, nonce, nonceWindow: true);
        using HttpResponseMessage accepted = await onA.SendAsync(first);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);

        // The same signed bytes, sent to node B (whose clock agrees): a replay.
        using HttpRequestMessage replay = onA.Build("/api/v4/jwt", new { }, nonce, nonceWindow: true);
        replay.RequestUri = new Uri(b.Server.BaseAddress, "/api/v4/jwt");
        using HttpClient onB = b.CreateClient();
        using HttpResponseMessage refused = await onB.SendAsync(replay);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [SkippableFact]
    public async Task RedisDown_FailsClosed_With503InEachDialectsShape_AndReadyzSaysSo()
    {
        // Node A has Redis; node B, over the same data, is configured for a Redis that does not answer (nothing listens there).
        var a = new StrongroomApplication();
        _apps.Add(a);
        Configure(a, []);
        TestTenant tenant = await a.CreateTenantAsync();
        (_, WhiteBitSigner signerOnA) = await WhiteBitSigner.CreateAccountAsync(a);
        StrongroomApplication b = StrongroomApplication.Over(a.DataDirectory);
        _apps.Add(b);
        b.Settings["Strongroom:Redis:Configuration"] = "127.0.0.1:" + FreePort();
        b.Settings["Strongroom:Redis:OperationTimeout"] = "00:00:00.500";

        using HttpClient guardian = b.ApiKeyClient(tenant.ApiKey);
        using HttpResponseMessage guardianResponse = await guardian.PostAsJsonAsync("/api/pci/tokens", new { source = TestCards.PanSource() });
        await DialectAssert.ServiceUnavailableAsync(guardianResponse, Dialect.Guardian);

        using HttpClient tap = b.CreateClient();
        tap.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", tenant.ApiKey);
        using HttpResponseMessage tapResponse = await tap.PostAsJsonAsync("/v2/tokens", new { card = new { number = TestCards.Visa, exp_month = 12, exp_year = DateTime.UtcNow.Year + 2, cvc = "123" } });
        await DialectAssert.ServiceUnavailableAsync(tapResponse, Dialect.Tap);

        var signerOnB = new WhiteBitSigner(b.CreateClient(), signerOnA.ApiKey, signerOnA.ApiSecret);
        using HttpResponseMessage whiteBitResponse = await signerOnB.PostAsync("/api/v4/jwt", new { });
        await DialectAssert.ServiceUnavailableAsync(whiteBitResponse, Dialect.WhiteBit);

        using HttpClient ops = b.CreateClient();
        using HttpResponseMessage ready = await ops.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("\"redis\":\"down\"", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Nothing was written by the refused requests, and no card data reached the log of the failing node.
        using HttpResponseMessage list = await a.ApiKeyClient(tenant.ApiKey).GetAsync("/api/pci/tokens");
        Assert.Empty((await list.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data").EnumerateArray());
        Assert.DoesNotContain(TestCards.Visa, b.Logs.AllText, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        foreach (StrongroomApplication app in _apps)
        {
            app.Dispose();
        }
    }

    private (StrongroomApplication A, StrongroomApplication B) TwoNodes(params (string Key, string Value)[] settings)
    {
        var a = new StrongroomApplication();
        _apps.Add(a);
        Configure(a, settings);
        _ = a.Server; // start A first: it creates the key file both nodes share
        StrongroomApplication b = StrongroomApplication.Over(a.DataDirectory);
        _apps.Add(b);
        Configure(b, settings);
        _ = b.Server;
        return (a, b);
    }

    private void Configure(StrongroomApplication app, (string Key, string Value)[] settings)
    {
        app.Settings["Strongroom:Redis:Configuration"] = RedisTestEnvironment.Configuration!;
        app.Settings["Strongroom:Redis:KeyPrefix"] = _prefix;
        foreach ((string key, string value) in settings)
        {
            app.Settings[key] = value;
        }
    }

    internal static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
