using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Strongroom.Core.Tenancy;

namespace Strongroom.Server.Tests;

public sealed class JwtTests(StrongroomApplication app) : IClassFixture<StrongroomApplication>
{
    [Fact]
    public async Task SignedKey_IssuesAShortLivedJwtBoundToItsAccount()
    {
        (Guid accountId, WhiteBitSigner signer) = await WhiteBitSigner.CreateAccountAsync(app);
        GatewayTokenService verifier = app.Services.GetRequiredService<GatewayTokenService>();

        using HttpResponseMessage response = await signer.PostAsync("/api/v4/jwt", new { nonceWindow = false });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement data = (await response.Content.ReadFromJsonAsync()).GetProperty("data");
        string token = data.GetProperty("token").GetString()!;
        Assert.Equal(3, token.Split('.').Length);
        Assert.Equal(app.Clock.GetUtcNow().AddMinutes(5).ToUnixTimeSeconds(), data.GetProperty("expires_at").GetInt64());
        GatewayTokenClaims? claims = await verifier.ValidateAsync(token);
        Assert.NotNull(claims);
        Assert.Equal(accountId, claims.TenantId);

        app.Clock.Advance(TimeSpan.FromMinutes(6));
        Assert.Null(await verifier.ValidateAsync(token));
    }

    [Fact]
    public async Task UnsignedRequest_Gets401()
    {
        using HttpClient client = app.CreateClient();

        using HttpResponseMessage response = await client.PostAsync("/api/v4/jwt", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Payload not provided.", (await response.Content.ReadFromJsonAsync()).GetProperty("message").GetString());
    }
}
