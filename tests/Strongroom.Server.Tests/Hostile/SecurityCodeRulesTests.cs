using System.Net;
using System.Net.Http.Json;

namespace Strongroom.Server.Tests.Hostile;

/// <summary>
/// Security codes: by default 3 or 4 digits for every scheme, as Guardian's schema allows; a tenant may opt in to scheme-specific
/// lengths (<c>PUT /api/admin/tenants/{id}/card-rules</c>), which then apply on every card-collecting route.
/// </summary>
public sealed class SecurityCodeRulesTests(StrongroomApplication app) : IClassFixture<StrongroomApplication>
{
    private static readonly int Year = DateTime.UtcNow.Year + 2;

    public static TheoryData<string, string> SchemaAllowed => new()
    {
        { TestCards.Visa, "1234" },
        { TestCards.Mastercard, "1234" },
        { TestCards.Amex, "123" },
        { TestCards.Amex, "1234" },
        { TestCards.Visa, "123" },
    };

    [Theory]
    [MemberData(nameof(SchemaAllowed))]
    public async Task Default_AcceptsThreeOrFourDigits_OnEveryCardRoute(string pan, string code)
    {
        TestTenant tenant = await app.CreateTenantAsync("Default rules");

        foreach ((string path, object body) in Bodies(pan, code))
        {
            using HttpResponseMessage response = await Send(tenant, path, body);
            Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        using HttpResponseMessage completed = await CompleteSessionAsync(tenant, pan, code);
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
    }

    [Theory]
    [InlineData("4111111111111111", "1234")]
    [InlineData("378282246310005", "123")]
    public async Task SchemeLengthsOn_RefusesTheWrongLengthForTheScheme_OnEveryCardRoute(string pan, string code)
    {
        TestTenant tenant = await app.CreateTenantAsync("Strict rules");
        using HttpClient admin = app.AdminClient();
        using HttpResponseMessage put = await admin.PutAsJsonAsync($"/api/admin/tenants/{tenant.Id}/card-rules", new { scheme_security_code_lengths = true });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        using HttpResponseMessage get = await admin.GetAsync($"/api/admin/tenants/{tenant.Id}/card-rules");
        Assert.True((await get.Content.ReadFromJsonAsync()).GetProperty("scheme_security_code_lengths").GetBoolean());

        (string, object)[] bodies = Bodies(pan, code);
        using HttpResponseMessage pci = await Send(tenant, bodies[0].Item1, bodies[0].Item2);
        await GuardianAssert.ValidationAsync(pci, "$.source.security_code");
        using HttpResponseMessage tap = await Send(tenant, bodies[1].Item1, bodies[1].Item2);
        Assert.Equal(HttpStatusCode.BadRequest, tap.StatusCode);
        Assert.Contains("\"1111\"", await tap.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using HttpResponseMessage session = await CompleteSessionAsync(tenant, pan, code);
        await GuardianAssert.ValidationAsync(session, "$.security_code");

        // Other tenants keep the default.
        TestTenant other = await app.CreateTenantAsync("Default rules");
        using HttpResponseMessage otherPci = await Send(other, bodies[0].Item1, bodies[0].Item2);
        Assert.Equal(HttpStatusCode.OK, otherPci.StatusCode);
    }

    [Fact]
    public async Task CardRules_WrongType_Returns422_AndUnknownTenant_Returns404()
    {
        using HttpClient admin = app.AdminClient();
        TestTenant tenant = await app.CreateTenantAsync("Rules validation");

        using HttpResponseMessage wrongType = await admin.PutAsJsonAsync($"/api/admin/tenants/{tenant.Id}/card-rules", new { scheme_security_code_lengths = "yes" });
        using HttpResponseMessage unknown = await admin.GetAsync($"/api/admin/tenants/{Guid.NewGuid()}/card-rules");

        await GuardianAssert.ValidationAsync(wrongType, "$.scheme_security_code_lengths");
        await GuardianAssert.ErrorAsync(unknown, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    private static (string, object)[] Bodies(string pan, string code) =>
    [
        ("/api/pci/tokens", new { source = new { type = "pan", account_number = pan, expiry_month = 12, expiry_year = Year, security_code = code } }),
        ("/v2/tokens", new { card = new { number = pan, exp_month = 12, exp_year = Year, cvc = code } }),
    ];

    private async Task<HttpResponseMessage> Send(TestTenant tenant, string path, object body)
    {
        using HttpClient client = app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (path.StartsWith("/v2", StringComparison.Ordinal))
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", tenant.ApiKey);
        }
        else
        {
            request.Headers.Add("x-api-key", tenant.ApiKey);
        }

        return await client.SendAsync(request);
    }

    private async Task<HttpResponseMessage> CompleteSessionAsync(TestTenant tenant, string pan, string code)
    {
        using HttpResponseMessage opened = await tenant.Client.PostAsJsonAsync("/api/pci/tokens", new { source = new { type = "session" } });
        Guid sessionId = (await opened.Content.ReadFromJsonAsync()).GetProperty("session_id").GetGuid();
        using HttpClient browser = app.CreateClient();
        return await browser.PostAsJsonAsync($"/sessions/{sessionId}/complete", new { account_number = pan, expiry_month = 12, expiry_year = Year, security_code = code });
    }
}
