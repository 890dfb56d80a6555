using System.Net;
using System.Text;
using System.Text.Json;

namespace Strongroom.Server.Tests;

public sealed class IdempotencyTests(StrongroomApplication app) : IClassFixture<StrongroomApplication>
{
    private static readonly string Body = JsonSerializer.Serialize(new { source = TestCards.PanSource(), metadata = new { order = "A-1" } });

    [Fact]
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

    [Fact]
    public async Task SameKeyDifferentBody_Returns409Conflict()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        string other = JsonSerializer.Serialize(new { source = TestCards.PanSource(TestCards.Mastercard) });

        using HttpResponseMessage first = await PostAsync(tenant, "key-2", Body);
        using HttpResponseMessage second = await PostAsync(tenant, "key-2", other);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await GuardianAssert.ErrorAsync(second, HttpStatusCode.Conflict, "CONFLICT");
    }

    [Fact]
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

    [Fact]
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

    [Fact]
    public async Task InvalidKey_Returns422()
    {
        TestTenant tenant = await app.CreateTenantAsync();

        using HttpResponseMessage response = await PostAsync(tenant, new string('k', 256), Body);

        await GuardianAssert.ValidationAsync(response, "$.headers['x-idempotency-key']");
    }

    [Fact]
    public async Task ConcurrentRequestsWithOneKey_CreateOneToken()
    {
        TestTenant tenant = await app.CreateTenantAsync();

        HttpResponseMessage[] responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => PostAsync(tenant, "key-race", Body)));
        using HttpResponseMessage list = await tenant.Client.GetAsync("/api/pci/tokens");

        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, r.StatusCode.ToString()));
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.Single((await list.Content.ReadFromJsonAsync()).GetProperty("data").EnumerateArray());
        foreach (HttpResponseMessage response in responses)
        {
            response.Dispose();
        }
    }

    private static Task<HttpResponseMessage> PostAsync(TestTenant tenant, string key, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/pci/tokens") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("x-idempotency-key", key);
        return tenant.Client.SendAsync(request);
    }
}
