using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Strongroom.Core.Operations;

namespace Strongroom.Server.Tests;

/// <summary>Time-dependent behaviour, driven by the application's manual clock (one application per test).</summary>
public sealed class ExpiryTests
{
    [Fact]
    public async Task ExpiredToken_Is404AndUnlisted_ThenSweptAway()
    {
        using var app = new StrongroomApplication();
        TestTenant tenant = await app.CreateTenantAsync();
        string shortLived = (await PciTokenApiTests.CreateTokenAsync(tenant, new { source = TestCards.PanSource(), expires_in = 60 })).GetProperty("id").GetString()!;
        string longLived = (await PciTokenApiTests.CreateTokenAsync(tenant, new { source = TestCards.PanSource(), expires_in = 3600 })).GetProperty("id").GetString()!;

        app.Clock.Advance(TimeSpan.FromSeconds(61));
        using HttpResponseMessage expired = await tenant.Client.GetAsync($"/api/pci/tokens/{shortLived}");
        using HttpResponseMessage alive = await tenant.Client.GetAsync($"/api/pci/tokens/{longLived}");
        using HttpResponseMessage list = await tenant.Client.GetAsync("/api/pci/tokens");
        SweepResult sweep = await app.Services.GetRequiredService<VaultSweeper>().SweepOnceAsync(CancellationToken.None);

        await GuardianAssert.ErrorAsync(expired, HttpStatusCode.NotFound, "NOT_FOUND");
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Equal(longLived, Assert.Single((await list.Content.ReadFromJsonAsync()).GetProperty("data").EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal(1, sweep.Tokens);
    }

    [Fact]
    public async Task SecurityCode_ExpiresAfterItsTtl()
    {
        using var app = new StrongroomApplication();
        TestTenant tenant = await app.CreateTenantAsync();
        string id = (await PciTokenApiTests.CreateTokenAsync(tenant, new { source = TestCards.PanSource(securityCode: "123") })).GetProperty("id").GetString()!;

        app.Clock.Advance(TimeSpan.FromMinutes(59));
        bool before = await AvailableAsync(tenant, id);
        app.Clock.Advance(TimeSpan.FromMinutes(2));
        bool after = await AvailableAsync(tenant, id);

        Assert.True(before);
        Assert.False(after);
    }

    [Fact]
    public async Task ExpiredToken_SweepAlsoForgetsItsSecurityCode()
    {
        using var app = new StrongroomApplication();
        TestTenant tenant = await app.CreateTenantAsync();
        await PciTokenApiTests.CreateTokenAsync(tenant, new { source = TestCards.PanSource(securityCode: "123"), expires_in = 30 });
        var codes = (Strongroom.Core.SecurityCodes.InMemorySecurityCodeStore)app.Services.GetRequiredService<Strongroom.Core.SecurityCodes.ISecurityCodeStore>();
        int before = codes.Count;

        app.Clock.Advance(TimeSpan.FromSeconds(31));
        SweepResult sweep = await app.Services.GetRequiredService<VaultSweeper>().SweepOnceAsync(CancellationToken.None);

        Assert.Equal(1, before);
        Assert.Equal(1, sweep.Tokens);
        Assert.Equal(0, codes.Count);
    }

    [Fact]
    public async Task ExpiredApiKey_Returns401()
    {
        using var app = new StrongroomApplication();
        TestTenant tenant = await app.CreateTenantAsync();
        string key = await app.CreateApiKeyAsync(tenant.Id, expiresIn: 60);
        using HttpClient client = app.ApiKeyClient(key);

        using HttpResponseMessage before = await client.GetAsync("/api/pci/tokens");
        app.Clock.Advance(TimeSpan.FromSeconds(61));
        using HttpResponseMessage after = await client.GetAsync("/api/pci/tokens");

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        await GuardianAssert.ErrorAsync(after, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }

    [Fact]
    public async Task IdempotencyKey_ForgottenAfter24Hours()
    {
        using var app = new StrongroomApplication();
        TestTenant tenant = await app.CreateTenantAsync();

        string first = await PostWithKeyAsync(tenant, "daily");
        app.Clock.Advance(TimeSpan.FromHours(25));
        string second = await PostWithKeyAsync(tenant, "daily");

        Assert.NotEqual(first, second);
    }

    private static async Task<string> PostWithKeyAsync(TestTenant tenant, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/pci/tokens") { Content = JsonContent.Create(new { source = TestCards.PanSource() }) };
        request.Headers.Add("x-idempotency-key", key);
        using HttpResponseMessage response = await tenant.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync()).GetProperty("id").GetString()!;
    }

    private static async Task<bool> AvailableAsync(TestTenant tenant, string id)
    {
        using HttpResponseMessage response = await tenant.Client.GetAsync($"/api/pci/tokens/{id}/security-code");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync()).GetProperty("security_code_available").GetBoolean();
    }
}
