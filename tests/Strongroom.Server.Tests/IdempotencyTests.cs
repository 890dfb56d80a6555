using System.Net;
using System.Text;
using System.Text.Json;

namespace Strongroom.Server.Tests;

/// <summary>Idempotency keys (replay, conflict, per-tenant scope, concurrent requests); run on each engine by the subclasses below.</summary>
public abstract class IdempotencyTests(StrongroomApplication app)
{
    private static readonly string Body = JsonSerializer.Serialize(new { source = TestCards.PanSource(), metadata = new { order = "A-1" } });

    [SkippableFact]
    public async Task SameKeySameBody_ReplaysFirstResponse_AndCreatesOneToken()
    {
        TestTenant tenant = await app.CreateTenantAsync();

        using HttpResponseMessage first = await PostAsync(tenant, "key-1", Body);
        using HttpResponseMessage second = await PostAsync(tenant, "key-1", Body);
        using HttpResponseMessage list = await tenant.Client.GetAsync("/api/pci/tokens");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        Assert.False(first.Headers.Contains("x-idempotent-replayed"));
        Assert.Equal("true", second.Headers.GetValues("x-idempotent-replayed").Single());
        Assert.Single((await list.Content.ReadFromJsonAsync()).GetProperty("data").EnumerateArray());
    }

    [SkippableFact]
    public async Task SameKeyDifferentBody_Returns409Conflict()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        string other = JsonSerializer.Serialize(new { source = TestCards.PanSource(TestCards.Mastercard) });

        using HttpResponseMessage first = await PostAsync(tenant, "key-2", Body);
        using HttpResponseMessage second = await PostAsync(tenant, "key-2", other);
        using HttpResponseMessage list = await tenant.Client.GetAsync("/api/pci/tokens");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await GuardianAssert.ErrorAsync(second, HttpStatusCode.Conflict, "CONFLICT");
        Assert.Single((await list.Content.ReadFromJsonAsync()).GetProperty("data").EnumerateArray());
    }

    [SkippableFact]
    public async Task KeysAreScopedPerTenant()
    {
        TestTenant a = await app.CreateTenantAsync("A");
        TestTenant b = await app.CreateTenantAsync("B");

        using HttpResponseMessage first = await PostAsync(a, "shared-key", Body);
        using HttpResponseMessage second = await PostAsync(b, "shared-key", Body);

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.False(second.Headers.Contains("x-idempotent-replayed"));
        Assert.NotEqual(
            (await first.Content.ReadFromJsonAsync()).GetProperty("id").GetString(),
            (await second.Content.ReadFromJsonAsync()).GetProperty("id").GetString());
    }

    [SkippableFact]
    public async Task ValidationErrorIsReplayedToo_AndNothingIsCreated()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        string invalid = JsonSerializer.Serialize(new { source = TestCards.PanSource(month: 13) });

        using HttpResponseMessage first = await PostAsync(tenant, "key-3", invalid);
        using HttpResponseMessage second = await PostAsync(tenant, "key-3", invalid);
        using HttpResponseMessage list = await tenant.Client.GetAsync("/api/pci/tokens");

        await GuardianAssert.ValidationAsync(first, "$.source.expiry_month");
        await GuardianAssert.ValidationAsync(second, "$.source.expiry_month");
        Assert.Empty((await list.Content.ReadFromJsonAsync()).GetProperty("data").EnumerateArray());
    }

    [SkippableFact]
    public async Task InvalidKey_Returns422()
    {
        TestTenant tenant = await app.CreateTenantAsync();

        using HttpResponseMessage response = await PostAsync(tenant, new string('k', 256), Body);

        await GuardianAssert.ValidationAsync(response, "$.headers['x-idempotency-key']");
    }

    [SkippableFact]
    public async Task ConcurrentRequestsWithOneKey_CreateOneToken()
    {
        TestTenant tenant = await app.CreateTenantAsync();

        HttpResponseMessage[] responses = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => PostAsync(tenant, "key-race", Body)));
        try
        {
            using HttpResponseMessage list = await tenant.Client.GetAsync("/api/pci/tokens");

            Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, r.StatusCode.ToString()));
            Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.OK);
            string created = Assert.Single((await list.Content.ReadFromJsonAsync()).GetProperty("data").EnumerateArray()).GetProperty("id").GetString()!;
            foreach (HttpResponseMessage ok in responses.Where(r => r.StatusCode == HttpStatusCode.OK))
            {
                Assert.Equal(created, (await ok.Content.ReadFromJsonAsync()).GetProperty("id").GetString());
            }

            if (app.Postgres is PostgresTestDatabase postgres)
            {
                Assert.Equal(1L, await postgres.ScalarAsync($"SELECT count(*) FROM idempotency_keys WHERE tenant_id = '{tenant.Id}' AND status IS NOT NULL"));
            }
        }
        finally
        {
            foreach (HttpResponseMessage response in responses)
            {
                response.Dispose();
            }
        }
    }

    [SkippableFact]
    public async Task EveryIdempotentRoute_ReplaysItsCommittedResponseExactly_AndChangesOnce()
    {
        TestTenant tenant = await app.CreateTenantAsync("Routes", "tokens:create", "tokens:read", "tokens:delete", "data:out");
        string pciId = await IdOfAsync(await PostAsync(tenant, "/api/pci/tokens", "r-pci", Body));
        string networkBody = JsonSerializer.Serialize(new { source = new { type = "pci_token", pci_token_id = pciId } });
        string networkId = await IdOfAsync(await PostAsync(tenant, "/api/network/tokens", "r-nt", networkBody));
        (string Path, string Body)[] routes =
        [
            ("/api/pci/tokens", JsonSerializer.Serialize(new { source = new { type = "session" } })),
            ($"/api/pci/tokens/{pciId}/security-code", "{}"),
            ("/api/network/tokens", JsonSerializer.Serialize(new { source = new { type = "session" } })),
            ($"/api/network/tokens/{networkId}/suspend", "{}"),
            ($"/api/network/tokens/{networkId}/resume", "{}"),
            ($"/api/network/tokens/{networkId}/cryptograms", JsonSerializer.Serialize(new { amount = 1999, currency = "EUR" })),
        ];

        foreach (((string path, string body), int i) in routes.Select((r, i) => (r, i)))
        {
            using HttpResponseMessage first = await PostAsync(tenant, path, $"route-{i}", body);
            using HttpResponseMessage replay = await PostAsync(tenant, path, $"route-{i}", body);

            Assert.True(first.IsSuccessStatusCode, $"{path}: {(int)first.StatusCode} {await first.Content.ReadAsStringAsync()}");
            Assert.Equal(first.StatusCode, replay.StatusCode);
            Assert.Equal(await first.Content.ReadAsStringAsync(), await replay.Content.ReadAsStringAsync());
            Assert.Equal("true", replay.Headers.GetValues("x-idempotent-replayed").Single());
        }

        // One cryptogram was issued (the replay did not take a second counter): the token's events say so.
        using HttpResponseMessage events = await tenant.Client.GetAsync($"/api/network/tokens/{networkId}/events");
        Assert.Single((await events.Content.ReadFromJsonAsync()).GetProperty("data").EnumerateArray(),
            e => e.GetProperty("type").GetString() == "network_token.cryptogram_issued");
    }

    private static async Task<string> IdOfAsync(HttpResponseMessage response)
    {
        using (response)
        {
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            return (await response.Content.ReadFromJsonAsync()).GetProperty("id").GetString()!;
        }
    }

    private static Task<HttpResponseMessage> PostAsync(TestTenant tenant, string path, string key, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("x-idempotency-key", key);
        return tenant.Client.SendAsync(request);
    }

    private static Task<HttpResponseMessage> PostAsync(TestTenant tenant, string key, string body) => PostAsync(tenant, "/api/pci/tokens", key, body);
}

/// <summary>Idempotency keys on the embedded default, SQLite.</summary>
public sealed class SqliteIdempotencyTests(StrongroomApplication app) : IdempotencyTests(app), IClassFixture<StrongroomApplication>;

/// <summary>Idempotency keys on PostgreSQL (skipped locally without <c>STRONGROOM_TEST_POSTGRES</c>, fails on CI).</summary>
public sealed class PostgresIdempotencyTests(PostgresServerFixture fixture) : IdempotencyTests(fixture.AppOrSkip()), IClassFixture<PostgresServerFixture>;
