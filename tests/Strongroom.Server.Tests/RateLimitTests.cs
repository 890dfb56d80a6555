using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Strongroom.Server.Tests;

/// <summary>Per-key rate limits (System.Threading.RateLimiting), configured down to 3 per minute here.</summary>
public sealed class RateLimitTests(StrongroomApplication app) : IClassFixture<StrongroomApplication>
{
    [Fact]
    public async Task GuardianKey_OverTheLimit_Gets429WithRetryAfter_OtherKeysUnaffected()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        TestTenant neighbour = await app.CreateTenantAsync();
        using WebApplicationFactory<Program> limited = Limited();
        using HttpClient client = limited.CreateClient();
        client.DefaultRequestHeaders.Add("x-api-key", tenant.ApiKey);
        using HttpClient other = limited.CreateClient();
        other.DefaultRequestHeaders.Add("x-api-key", neighbour.ApiKey);

        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 3; i++)
        {
            using HttpResponseMessage ok = await client.GetAsync("/api/pci/tokens");
            statuses.Add(ok.StatusCode);
        }

        using HttpResponseMessage limitedResponse = await client.GetAsync("/api/pci/tokens");
        using HttpResponseMessage neighbourResponse = await other.GetAsync("/api/pci/tokens");

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        await GuardianAssert.ErrorAsync(limitedResponse, HttpStatusCode.TooManyRequests, "TOO_MANY_REQUESTS");
        Assert.True(limitedResponse.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal(HttpStatusCode.OK, neighbourResponse.StatusCode);
    }

    [Fact]
    public async Task WhiteBitKey_OverTheLimit_Gets429WithRetryAfter()
    {
        (_, WhiteBitSigner unlimited) = await WhiteBitSigner.CreateAccountAsync(app);
        using WebApplicationFactory<Program> limited = Limited();
        var signer = new WhiteBitSigner(limited.CreateClient(), unlimited.ApiKey, unlimited.ApiSecret);

        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 3; i++)
        {
            using HttpResponseMessage ok = await signer.PostAsync("/api/v4/sub-account/list");
            statuses.Add(ok.StatusCode);
        }

        using HttpResponseMessage refused = await signer.PostAsync("/api/v4/sub-account/list");

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal(429, (await refused.Content.ReadFromJsonAsync()).GetProperty("code").GetInt32());
    }

    private WebApplicationFactory<Program> Limited() => app.WithWebHostBuilder(builder =>
    {
        builder.UseSetting("Strongroom:RateLimit:PermitLimit", "3");
        builder.UseSetting("Strongroom:RateLimit:Window", "00:01:00");
    });
}
