using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Strongroom.Core.Cards;
using Strongroom.Server.Tests.Forwarding;

namespace Strongroom.Server.Tests.InboundProxy;

/// <summary>
/// Format-preserving aliases in the Guardian dialect: created with <c>"alias": {"format": "fpe"}</c>, accepted wherever the
/// token id is (get, metadata, forwarding), tenant-scoped, and refused with a 422 in the wrong places.
/// </summary>
public sealed class AliasApiTests(StrongroomApplication app) : IClassFixture<StrongroomApplication>
{
    private const string PciTokens = "/api/pci/tokens";

    private static readonly string[] DataOutScopes = ["tokens:create", "tokens:read", "tokens:delete", "data:out"];

    private static int Year => DateTime.UtcNow.Year + 3;

    [Theory]
    [InlineData(TestCards.Visa)]
    [InlineData(TestCards.Amex)]
    [InlineData(TestCards.Mastercard)]
    public async Task Create_WithFpeAlias_ReturnsACardShapedLuhnInvalidAlias(string pan)
    {
        TestTenant tenant = await app.CreateTenantAsync("Alias", DataOutScopes);

        JsonElement token = await CreateAsync(tenant.Client, pan);

        string alias = token.GetProperty("alias").GetString()!;
        Assert.Equal(pan.Length, alias.Length);
        Assert.Equal(pan[..6], alias[..6]);
        Assert.Equal(pan[^4..], alias[^4..]);
        Assert.All(alias, c => Assert.True(char.IsAsciiDigit(c)));
        Assert.False(Luhn.IsValid(alias));
        Assert.DoesNotContain(pan, token.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_WithoutAlias_HasNoAliasField()
    {
        TestTenant tenant = await app.CreateTenantAsync("Alias", DataOutScopes);

        JsonElement token = await tenant.TokenizeAsync();

        Assert.False(token.TryGetProperty("alias", out _));
    }

    [Fact]
    public async Task Alias_IsAcceptedByGetAndMetadata_ButOnlyInItsTenant()
    {
        TestTenant tenant = await app.CreateTenantAsync("Alias", DataOutScopes);
        TestTenant other = await app.CreateTenantAsync("Other", DataOutScopes);
        JsonElement token = await CreateAsync(tenant.Client, TestCards.Visa);
        string id = token.GetProperty("id").GetString()!;
        string alias = token.GetProperty("alias").GetString()!;

        using HttpResponseMessage get = await tenant.Client.GetAsync($"{PciTokens}/{alias}");
        using HttpResponseMessage metadata = await tenant.Client.GetAsync($"/api/metadata/pci-tokens/{alias}");
        using HttpResponseMessage foreign = await other.Client.GetAsync($"{PciTokens}/{alias}");
        using HttpResponseMessage unknown = await tenant.Client.GetAsync($"{PciTokens}/{alias[..6]}000000{alias[^4..]}");

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        JsonElement read = JsonDocument.Parse(await get.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(id, read.GetProperty("id").GetString());
        Assert.Equal(alias, read.GetProperty("alias").GetString());
        Assert.Equal(HttpStatusCode.OK, metadata.StatusCode);
        Assert.Equal("411111******1111", JsonDocument.Parse(await metadata.Content.ReadAsStringAsync()).RootElement.GetProperty("masked_account_number").GetString());
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Alias_ResolvesBackThroughForwarding()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await app.CreateTenantAsync("Alias", DataOutScopes);
        await AllowAsync(tenant.Id, processor);
        string alias = (await CreateAsync(tenant.Client, TestCards.Visa)).GetProperty("alias").GetString()!;

        using var request = new HttpRequestMessage(HttpMethod.Post, $"{PciTokens}/{alias}/forward")
        {
            Content = new StringContent("""{"pan":{{ account_number }},"cvc":{{ security_code }}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-destination-url", processor.Url("/echo"));
        using HttpResponseMessage response = await tenant.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"pan":"4111111111111111","cvc":"123"}""", Assert.Single(processor.Requests).Body);
        Assert.DoesNotContain(TestCards.Visa, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeletedToken_ItsAliasNoLongerResolves()
    {
        TestTenant tenant = await app.CreateTenantAsync("Alias", DataOutScopes);
        JsonElement token = await CreateAsync(tenant.Client, TestCards.Visa);

        using HttpResponseMessage deleted = await tenant.Client.DeleteAsync($"{PciTokens}/{token.GetProperty("id").GetString()}");
        using HttpResponseMessage get = await tenant.Client.GetAsync($"{PciTokens}/{token.GetProperty("alias").GetString()}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task Create_WithAlias_IdempotentReplay_ReturnsTheSameAlias()
    {
        TestTenant tenant = await app.CreateTenantAsync("Alias", DataOutScopes);

        JsonElement first = await CreateAsync(tenant.Client, TestCards.Visa, idempotencyKey: "alias-once");
        JsonElement replay = await CreateAsync(tenant.Client, TestCards.Visa, idempotencyKey: "alias-once");

        Assert.Equal(first.GetProperty("id").GetString(), replay.GetProperty("id").GetString());
        Assert.Equal(first.GetProperty("alias").GetString(), replay.GetProperty("alias").GetString());
    }

    [Theory]
    [InlineData("""{"format":"vgs"}""", "$.alias.format")]
    [InlineData("""{}""", "$.alias.format")]
    [InlineData("\"fpe\"", "$.alias")]
    public async Task Create_BadAliasOption_Is422(string aliasJson, string path)
    {
        TestTenant tenant = await app.CreateTenantAsync("Alias", DataOutScopes);
        string body = $$"""{"source":{"type":"pan","account_number":"{{TestCards.Visa}}","expiry_month":12,"expiry_year":{{Year.ToString(CultureInfo.InvariantCulture)}}},"alias":{{aliasJson}}}""";

        using HttpResponseMessage response = await tenant.Client.PostAsync(PciTokens, new StringContent(body, Encoding.UTF8, "application/json"));

        JsonElement error = await GuardianAssert.ErrorAsync(response, HttpStatusCode.UnprocessableEntity, "VALIDATION_ERROR");
        Assert.Contains(path, error.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_AliasWithSession_Is422()
    {
        TestTenant tenant = await app.CreateTenantAsync("Alias", DataOutScopes);

        using HttpResponseMessage response = await tenant.Client.PostAsJsonAsync(PciTokens, new { source = new { type = "session" }, alias = new { format = "fpe" } });

        JsonElement error = await GuardianAssert.ErrorAsync(response, HttpStatusCode.UnprocessableEntity, "VALIDATION_ERROR");
        Assert.Contains("$.alias", error.GetRawText(), StringComparison.Ordinal);
    }

    internal static async Task<JsonElement> CreateAsync(HttpClient client, string pan, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, PciTokens)
        {
            Content = JsonContent.Create(new { source = TestCards.PanSource(pan, 12, Year, pan.Length == 15 ? "1234" : "123", "Jane Roe"), alias = new { format = "fpe" } }),
        };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("x-idempotency-key", idempotencyKey);
        }

        using HttpResponseMessage response = await client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task AllowAsync(Guid tenantId, ProcessorServer processor)
    {
        using HttpClient admin = app.AdminClient();
        using HttpResponseMessage response = await admin.PutAsJsonAsync($"/api/admin/tenants/{tenantId}/forward-destinations",
            new { destinations = new[] { new { url = processor.BaseUrl, allow_private_network = true, ca_certificate_pem = processor.CertificatePem } } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
