using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Strongroom.Server.Tests;

/// <summary>
/// Credentials are cached per node (<c>CredentialCache</c>), and a revocation must still stop working on every node within
/// 1 s. Two real server nodes share one PostgreSQL (the change travels as a NOTIFY written in the revoking transaction), or
/// PostgreSQL and Redis (pub/sub). Each credential is first used on both nodes, so both hold it in their cache; the cache
/// lifetime is set to ten minutes and the clock stands still, so only the pushed change can make node B refuse it in time.
/// </summary>
public sealed class CredentialRevocationTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(1);

    private readonly List<StrongroomApplication> _apps = [];
    private readonly string _redisPrefix = "srtest-" + Guid.NewGuid().ToString("N")[..12] + ":";

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        // The second node first: the first one drops the shared database.
        for (int i = _apps.Count - 1; i >= 0; i--)
        {
            await _apps[i].DisposeAsync();
        }
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ApiKeyRevokedOnNodeA_IsRefusedOnNodeB_WithinOneSecond(bool withRedis)
    {
        (StrongroomApplication a, StrongroomApplication b) = await TwoNodesAsync(withRedis);
        TestTenant tenant = await a.CreateTenantAsync();
        using HttpClient onA = a.ApiKeyClient(tenant.ApiKey);
        using HttpClient onB = b.ApiKeyClient(tenant.ApiKey);
        await AssertStatusAsync(HttpStatusCode.OK, () => onA.GetAsync("/api/pci/tokens"));
        await AssertStatusAsync(HttpStatusCode.OK, () => onB.GetAsync("/api/pci/tokens"));

        using HttpClient admin = a.AdminClient();
        using HttpResponseMessage revoked = await admin.DeleteAsync($"/api/admin/tenants/{tenant.Id}/api-keys/{KeyId(tenant.ApiKey)}");
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        var sinceRevoke = Stopwatch.StartNew();

        await AssertStatusAsync(HttpStatusCode.Unauthorized, () => onA.GetAsync("/api/pci/tokens")); // the revoking node: at once
        await AssertRefusedWithinDeadlineAsync(sinceRevoke, () => onB.GetAsync("/api/pci/tokens"), HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SigningKeyDisabledOnNodeA_IsRefusedOnNodeB_WithinOneSecond(bool withRedis)
    {
        (StrongroomApplication a, StrongroomApplication b) = await TwoNodesAsync(withRedis);
        SubAccountKey key = await CreateSubAccountKeyAsync(a);
        await UseOnBothNodesAsync(key, a, b);

        using HttpResponseMessage disabled = await key.Account.PostAsync("/api/v4/sub-account/api-key/edit",
            new { subAccountId = key.SubAccountId, apiKeyId = key.Id, isEnabled = false });
        Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
        var sinceRevoke = Stopwatch.StartNew();

        await AssertRefusedWithinDeadlineAsync(sinceRevoke, () => key.SignedOn(b).PostAsync("/api/v4/jwt", new { }, key.NextNonce()), HttpStatusCode.Unauthorized,
            "This action is unauthorized. Enable your key in API settings");
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SigningKeyDeletedOnNodeA_IsRefusedOnNodeB_WithinOneSecond_AndSoIsItsGatewayJwt(bool withRedis)
    {
        (StrongroomApplication a, StrongroomApplication b) = await TwoNodesAsync(withRedis);
        SubAccountKey key = await CreateSubAccountKeyAsync(a);
        string jwt = await UseOnBothNodesAsync(key, a, b);

        using HttpResponseMessage deleted = await key.Account.PostAsync("/api/v4/sub-account/api-key/delete", new { subAccountId = key.SubAccountId, apiKeyId = key.Id });
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        var sinceRevoke = Stopwatch.StartNew();

        await AssertRefusedWithinDeadlineAsync(sinceRevoke, () => key.SignedOn(b).PostAsync("/api/v4/jwt", new { }, key.NextNonce()), HttpStatusCode.Unauthorized,
            "Unauthorized request.");
        await AssertRefusedWithinDeadlineAsync(sinceRevoke, () => CardTokenAsync(b, jwt), HttpStatusCode.Unauthorized, "Unauthorized request.");
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TenantDeletedOnNodeA_ItsKeysAreRefusedOnNodeB_WithinOneSecond(bool withRedis)
    {
        (StrongroomApplication a, StrongroomApplication b) = await TwoNodesAsync(withRedis);
        TestTenant doomed = await a.CreateTenantAsync("Doomed");
        TestTenant survivor = await a.CreateTenantAsync("Survivor");
        using HttpClient doomedOnB = b.ApiKeyClient(doomed.ApiKey);
        using HttpClient survivorOnB = b.ApiKeyClient(survivor.ApiKey);
        await AssertStatusAsync(HttpStatusCode.OK, () => doomed.Client.GetAsync("/api/pci/tokens"));
        await AssertStatusAsync(HttpStatusCode.OK, () => doomedOnB.GetAsync("/api/pci/tokens"));
        await AssertStatusAsync(HttpStatusCode.OK, () => survivorOnB.GetAsync("/api/pci/tokens"));

        using HttpClient admin = a.AdminClient();
        using HttpResponseMessage shredded = await admin.DeleteAsync($"/api/admin/tenants/{doomed.Id}");
        Assert.Equal(HttpStatusCode.OK, shredded.StatusCode);
        var sinceRevoke = Stopwatch.StartNew();

        await AssertRefusedWithinDeadlineAsync(sinceRevoke, () => doomedOnB.GetAsync("/api/pci/tokens"), HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        await AssertStatusAsync(HttpStatusCode.OK, () => survivorOnB.GetAsync("/api/pci/tokens")); // only the deleted tenant's keys went
    }

    [Fact]
    public async Task SingleNodeOnSqlite_RevokedApiKeyAndDeletedSigningKey_AreRefusedByTheVeryNextRequest()
    {
        var app = new StrongroomApplication();
        _apps.Add(app);
        app.Settings["Strongroom:Vault:CredentialCacheLifetime"] = "00:10:00";
        TestTenant tenant = await app.CreateTenantAsync();
        await AssertStatusAsync(HttpStatusCode.OK, () => tenant.Client.GetAsync("/api/pci/tokens"));
        SubAccountKey key = await CreateSubAccountKeyAsync(app);
        await AssertStatusAsync(HttpStatusCode.OK, () => key.SignedOn(app).PostAsync("/api/v4/jwt", new { }, key.NextNonce()));

        using HttpClient admin = app.AdminClient();
        using HttpResponseMessage revoked = await admin.DeleteAsync($"/api/admin/tenants/{tenant.Id}/api-keys/{KeyId(tenant.ApiKey)}");
        using HttpResponseMessage deleted = await key.Account.PostAsync("/api/v4/sub-account/api-key/delete", new { subAccountId = key.SubAccountId, apiKeyId = key.Id });
        using HttpResponseMessage apiKeyAfter = await tenant.Client.GetAsync("/api/pci/tokens");
        using HttpResponseMessage signingKeyAfter = await key.SignedOn(app).PostAsync("/api/v4/jwt", new { }, key.NextNonce());

        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        await GuardianAssert.ErrorAsync(apiKeyAfter, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        Assert.Equal(HttpStatusCode.Unauthorized, signingKeyAfter.StatusCode);
    }

    private async Task<(StrongroomApplication A, StrongroomApplication B)> TwoNodesAsync(bool withRedis)
    {
        string? skip = PostgresTestEnvironment.SkipReason() ?? (withRedis ? RedisTestEnvironment.SkipReason() : null);
        Skip.If(skip is not null, skip);
        StrongroomApplication a = await StrongroomApplication.OnPostgresAsync();
        _apps.Add(a);
        Configure(a, withRedis);
        _ = a.Server; // A first: it creates the key file and the schema both nodes share
        StrongroomApplication b = StrongroomApplication.SecondNodeOf(a);
        _apps.Add(b);
        Configure(b, withRedis);
        _ = b.Server;
        return (a, b);
    }

    private void Configure(StrongroomApplication app, bool withRedis)
    {
        // Far longer than the deadline: a node that did not hear the change would keep accepting the credential.
        app.Settings["Strongroom:Vault:CredentialCacheLifetime"] = "00:10:00";
        if (withRedis)
        {
            app.Settings["Strongroom:Redis:Configuration"] = RedisTestEnvironment.Configuration!;
            app.Settings["Strongroom:Redis:KeyPrefix"] = _redisPrefix;
        }
    }

    private static string KeyId(string apiKey) => apiKey["srk_".Length..apiKey.IndexOf('.', StringComparison.Ordinal)];

    private static async Task AssertStatusAsync(HttpStatusCode expected, Func<Task<HttpResponseMessage>> send)
    {
        using HttpResponseMessage response = await send();
        Assert.True(response.StatusCode == expected, $"expected {expected}, got {response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Polls until the request is refused with <paramref name="message"/>; fails if that takes longer than the deadline.</summary>
    private static async Task AssertRefusedWithinDeadlineAsync(Stopwatch sinceRevoke, Func<Task<HttpResponseMessage>> send, HttpStatusCode status, string message)
    {
        string last = "";
        while (true)
        {
            using HttpResponseMessage response = await send();
            last = $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}";
            if (response.StatusCode == status && last.Contains(message, StringComparison.Ordinal))
            {
                return;
            }

            Assert.True(response.IsSuccessStatusCode, "refused for another reason than the revocation: " + last);
            Assert.True(sinceRevoke.Elapsed < Deadline, $"still accepted {sinceRevoke.ElapsedMilliseconds} ms after the revocation: {last}");
            await Task.Delay(10);
        }
    }

    private static async Task<HttpResponseMessage> CardTokenAsync(StrongroomApplication node, string jwt)
    {
        using HttpClient client = node.CreateClient();
        client.DefaultRequestHeaders.Add("Authorization", "Bearer " + jwt);
        return await client.PostAsJsonAsync("/api/card-token", new { cardNumber = TestCards.Visa });
    }

    /// <summary>Signs with the key on node A and on node B (so both cache it), and has B accept a JWT the key issued (so B caches it by id too).</summary>
    private static async Task<string> UseOnBothNodesAsync(SubAccountKey key, StrongroomApplication a, StrongroomApplication b)
    {
        await AssertStatusAsync(HttpStatusCode.OK, () => key.SignedOn(a).PostAsync("/api/v4/jwt", new { }, key.NextNonce()));
        using HttpResponseMessage issued = await key.SignedOn(b).PostAsync("/api/v4/jwt", new { }, key.NextNonce());
        Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
        string jwt = (await issued.Content.ReadFromJsonAsync()).GetProperty("data").GetProperty("token").GetString()!;
        await AssertStatusAsync(HttpStatusCode.Created, () => CardTokenAsync(b, jwt));
        return jwt;
    }

    /// <summary>An account (its key manages sub-accounts) with a sub-account and a type-2 key of that sub-account.</summary>
    private static async Task<SubAccountKey> CreateSubAccountKeyAsync(StrongroomApplication app)
    {
        (_, WhiteBitSigner account) = await WhiteBitSigner.CreateAccountAsync(app);
        using HttpResponseMessage sub = await account.PostAsync("/api/v4/sub-account/create", new { alias = "revocation" });
        Assert.Equal(HttpStatusCode.Created, sub.StatusCode);
        string subId = (await sub.Content.ReadFromJsonAsync()).GetProperty("id").GetString()!;
        using HttpResponseMessage created = await account.PostAsync("/api/v4/sub-account/api-key/create", new { type = 2, subAccountId = subId, title = "revocation" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        JsonElement key = await created.Content.ReadFromJsonAsync();
        return new SubAccountKey(account, subId, key.GetProperty("id").GetString()!, key.GetProperty("apiKey").GetString()!, key.GetProperty("apiSecret").GetString()!);
    }

    /// <summary>A sub-account's signing key; its nonces come from one counter whichever node a request goes to.</summary>
    private sealed class SubAccountKey(WhiteBitSigner account, string subAccountId, string id, string apiKey, string apiSecret)
    {
        private long _nonce = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        public WhiteBitSigner Account { get; } = account;

        public string SubAccountId { get; } = subAccountId;

        public string Id { get; } = id;

        public long NextNonce() => Interlocked.Increment(ref _nonce);

        public WhiteBitSigner SignedOn(StrongroomApplication node) => new(node.CreateClient(), apiKey, apiSecret);
    }
}
