using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Strongroom.Server.Tests;

/// <summary>WhiteBIT fiat gateway <c>POST /api/card-token</c>, authenticated by the JWT from <c>POST /api/v4/jwt</c>.</summary>
public sealed class CardTokenTests(StrongroomApplication app) : IClassFixture<StrongroomApplication>
{
    [Fact]
    public async Task ValidJwt_IssuesACardToken_WithAStablePerTenantFingerprint()
    {
        (_, WhiteBitSigner signer) = await WhiteBitSigner.CreateAccountAsync(app);
        (_, WhiteBitSigner otherAccount) = await WhiteBitSigner.CreateAccountAsync(app);
        using HttpClient client = await GatewayClientAsync(app.CreateClient(), signer);
        using HttpClient otherClient = await GatewayClientAsync(app.CreateClient(), otherAccount, bearer: true);

        JsonElement first = await CreateAsync(client, TestCards.Visa);
        JsonElement second = await CreateAsync(client, TestCards.Visa);
        JsonElement otherTenant = await CreateAsync(otherClient, TestCards.Visa);
        JsonElement otherCard = await CreateAsync(client, TestCards.Mastercard);

        Assert.True(Guid.TryParse(first.GetProperty("token").GetString(), out _));
        Assert.NotEqual(first.GetProperty("token").GetString(), second.GetProperty("token").GetString());
        Assert.Equal("411111******1111", first.GetProperty("maskedCardNumber").GetString());
        Assert.Equal("visa", first.GetProperty("scheme").GetString());
        Assert.Equal(first.GetProperty("fingerprint").GetString(), second.GetProperty("fingerprint").GetString());
        Assert.NotEqual(first.GetProperty("fingerprint").GetString(), otherTenant.GetProperty("fingerprint").GetString());
        Assert.NotEqual(first.GetProperty("fingerprint").GetString(), otherCard.GetProperty("fingerprint").GetString());
        Assert.DoesNotContain(TestCards.Visa, first.GetRawText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"cardNumber":"4111111111111112"}""", "The cardNumber field is invalid.")]
    [InlineData("""{"cardNumber":"4111 1111 1111 1111"}""", "The cardNumber field is invalid.")]
    [InlineData("""{"cardNumber":4111111111111111}""", "The cardNumber field is invalid.")]
    [InlineData("""{}""", "The cardNumber field is required.")]
    [InlineData("""not json""", "The cardNumber field is required.")]
    public async Task InvalidCardNumber_Returns422Code1InTheSeedShape(string body, string message)
    {
        (_, WhiteBitSigner signer) = await WhiteBitSigner.CreateAccountAsync(app);
        using HttpClient client = await GatewayClientAsync(app.CreateClient(), signer);

        using HttpResponseMessage response = await client.PostAsync("/api/card-token", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(
            $$$"""{"code":1,"message":"Validation failed","errors":{"cardNumber":["{{{message}}}"]}}""",
            await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.e30.c2ln")]
    [InlineData("Bearer nonsense")]
    public async Task MissingOrBadJwt_Returns401(string? authorization)
    {
        using HttpClient client = app.CreateClient();
        if (authorization is not null)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
        }

        using HttpResponseMessage response = await client.PostAsJsonAsync("/api/card-token", new { cardNumber = TestCards.Visa });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task JwtOfADisabledKey_Returns401()
    {
        (_, WhiteBitSigner account) = await WhiteBitSigner.CreateAccountAsync(app);
        using HttpResponseMessage sub = await account.PostAsync("/api/v4/sub-account/create", new { alias = "gateway" });
        string subId = (await sub.Content.ReadFromJsonAsync()).GetProperty("id").GetString()!;
        using HttpResponseMessage keyResponse = await account.PostAsync("/api/v4/sub-account/api-key/create", new { type = 1, subAccountId = subId });
        JsonElement key = await keyResponse.Content.ReadFromJsonAsync();
        var subSigner = new WhiteBitSigner(app.CreateClient(), key.GetProperty("apiKey").GetString()!, key.GetProperty("apiSecret").GetString()!);
        using HttpClient client = await GatewayClientAsync(app.CreateClient(), subSigner);

        using HttpResponseMessage before = await client.PostAsJsonAsync("/api/card-token", new { cardNumber = TestCards.Visa });
        using HttpResponseMessage disable = await account.PostAsync("/api/v4/sub-account/api-key/edit", new { subAccountId = subId, apiKeyId = key.GetProperty("id").GetString(), isEnabled = false });
        using HttpResponseMessage after = await client.PostAsJsonAsync("/api/card-token", new { cardNumber = TestCards.Visa });

        Assert.Equal(HttpStatusCode.Created, before.StatusCode);
        Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task Throttled_Returns422Code0ExactlyAsTheSeed()
    {
        using WebApplicationFactory<Program> limited = app.WithWebHostBuilder(builder =>
        {
            builder.UseSetting("Strongroom:RateLimit:PermitLimit", "3");
            builder.UseSetting("Strongroom:RateLimit:Window", "00:01:00");
        });
        (_, WhiteBitSigner account) = await WhiteBitSigner.CreateAccountAsync(app);
        var signer = new WhiteBitSigner(limited.CreateClient(), account.ApiKey, account.ApiSecret);
        using HttpClient client = await GatewayClientAsync(limited.CreateClient(), signer);

        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 3; i++)
        {
            using HttpResponseMessage ok = await client.PostAsJsonAsync("/api/card-token", new { cardNumber = TestCards.Visa });
            statuses.Add(ok.StatusCode);
        }

        using HttpResponseMessage throttled = await client.PostAsJsonAsync("/api/card-token", new { cardNumber = TestCards.Visa });

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.Created, s));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, throttled.StatusCode);
        Assert.Equal("""{"message":"Too Many Attempts.","code":0}""", await throttled.Content.ReadAsStringAsync());
    }

    private static async Task<HttpClient> GatewayClientAsync(HttpClient client, WhiteBitSigner signer, bool bearer = false)
    {
        using HttpResponseMessage response = await signer.PostAsync("/api/v4/jwt");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string token = (await response.Content.ReadFromJsonAsync()).GetProperty("data").GetProperty("token").GetString()!;
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", bearer ? "Bearer " + token : token);
        return client;
    }

    private static async Task<JsonElement> CreateAsync(HttpClient client, string cardNumber)
    {
        using HttpResponseMessage response = await client.PostAsJsonAsync("/api/card-token", new { cardNumber });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync();
    }
}
