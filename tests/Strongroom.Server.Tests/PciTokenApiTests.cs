using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Strongroom.Server.Tests;

/// <summary>The Guardian token API (create, read, list, delete, security codes); run on each engine by the subclasses below.</summary>
public abstract partial class PciTokenApiTests(StrongroomApplication app)
{
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")]
    private static partial Regex Rfc3339Seconds();

    [SkippableFact]
    public async Task CreateToken_FromPan_Returns200WithTheSeedShape()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        int year = DateTime.UtcNow.Year + 2;

        using HttpResponseMessage response = await tenant.Client.PostAsJsonAsync("/api/pci/tokens", new
        {
            source = new { type = "pan", account_number = TestCards.Visa, expiry_month = 12, expiry_year = year, security_code = "123", cardholder_name = "John Doe" },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement body = await response.Content.ReadFromJsonAsync();
        Assert.True(Guid.TryParse(body.GetProperty("id").GetString(), out Guid id));
        JsonElement card = body.GetProperty("card");
        Assert.Equal("John Doe", card.GetProperty("cardholder_name").GetString());
        Assert.Equal(12, card.GetProperty("expiry_month").GetInt32());
        Assert.Equal(year, card.GetProperty("expiry_year").GetInt32());
        Assert.Equal("411111******1111", card.GetProperty("masked_account_number").GetString());
        Assert.Equal("visa", card.GetProperty("scheme").GetString());
        Assert.Matches(Rfc3339Seconds(), body.GetProperty("created_at").GetString());
        Assert.False(body.TryGetProperty("expires_at", out _));
        Assert.False(body.TryGetProperty("metadata", out _));
        Assert.DoesNotContain(TestCards.Visa, body.GetRawText(), StringComparison.Ordinal);
        if (app.Postgres is PostgresTestDatabase postgres)
        {
            Assert.Equal(1L, await postgres.ScalarAsync($"SELECT count(*) FROM pci_tokens WHERE id = '{id}' AND tenant_id = '{tenant.Id}'"));
        }
    }

    [SkippableTheory]
    [InlineData(TestCards.Mastercard, "555555******4444", "mastercard", "123")]
    [InlineData("2223003122003222", "222300******3222", "mastercard", "123")]
    [InlineData(TestCards.Amex, "378282*****0005", "american express", "1234")]
    [InlineData(TestCards.Discover, "601111******1117", "discover", "123")]
    [InlineData("36227206271667", "362272****1667", "diners club", "123")]
    [InlineData("3530111333300000", "353011******0000", "jcb", "123")]
    [InlineData("6200000000000005", "620000******0005", "unionpay", "123")]
    public async Task CreateToken_EachScheme_DetectsSchemeAndMasks(string pan, string masked, string scheme, string securityCode)
    {
        TestTenant tenant = await app.CreateTenantAsync();

        using HttpResponseMessage response = await tenant.Client.PostAsJsonAsync("/api/pci/tokens", new { source = TestCards.PanSource(pan, securityCode: securityCode) });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement card = (await response.Content.ReadFromJsonAsync()).GetProperty("card");
        Assert.Equal(masked, card.GetProperty("masked_account_number").GetString());
        Assert.Equal(scheme, card.GetProperty("scheme").GetString());
    }

    [SkippableFact]
    public async Task CreateToken_WithExpiresInAndMetadata_ReturnsBoth()
    {
        TestTenant tenant = await app.CreateTenantAsync();

        using HttpResponseMessage response = await tenant.Client.PostAsJsonAsync("/api/pci/tokens", new
        {
            source = TestCards.PanSource(),
            expires_in = 3600,
            metadata = new Dictionary<string, string> { ["order_id"] = "A-1001", ["customer"] = "c_42" },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement body = await response.Content.ReadFromJsonAsync();
        DateTimeOffset created = DateTimeOffset.Parse(body.GetProperty("created_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        DateTimeOffset expires = DateTimeOffset.Parse(body.GetProperty("expires_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(TimeSpan.FromHours(1), expires - created);
        Assert.Equal("A-1001", body.GetProperty("metadata").GetProperty("order_id").GetString());
        Assert.Equal("c_42", body.GetProperty("metadata").GetProperty("customer").GetString());
    }

    [SkippableFact]
    public async Task CreateToken_FromSession_ReturnsOnlySessionId()
    {
        TestTenant tenant = await app.CreateTenantAsync();

        using HttpResponseMessage response = await tenant.Client.PostAsJsonAsync("/api/pci/tokens", new { source = new { type = "session" } });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement body = await response.Content.ReadFromJsonAsync();
        Assert.True(Guid.TryParse(body.GetProperty("session_id").GetString(), out _));
        Assert.Single(body.EnumerateObject());
    }

    [SkippableFact]
    public async Task GetToken_ReturnsMaskedTokenAsCreated()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        JsonElement created = await tenant.TokenizeAsync(TestCards.PanSource(TestCards.Amex, securityCode: "1234", name: "Ada Lovelace"), metadata: new { k = "v" }, expiresIn: 3600);

        using HttpResponseMessage response = await tenant.Client.GetAsync($"/api/pci/tokens/{created.GetProperty("id").GetString()}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement body = await response.Content.ReadFromJsonAsync();
        Assert.Equal(created.GetRawText(), body.GetRawText());
        Assert.Equal("378282*****0005", body.GetProperty("card").GetProperty("masked_account_number").GetString());
        Assert.Equal("american express", body.GetProperty("card").GetProperty("scheme").GetString());
        Assert.Equal("Ada Lovelace", body.GetProperty("card").GetProperty("cardholder_name").GetString());
        Assert.Equal("v", body.GetProperty("metadata").GetProperty("k").GetString());
    }

    [SkippableTheory]
    [InlineData("00000000-0000-0000-0000-000000000000")]
    [InlineData("not-a-uuid")]
    public async Task GetToken_Unknown_Returns404(string id)
    {
        TestTenant tenant = await app.CreateTenantAsync();

        using HttpResponseMessage response = await tenant.Client.GetAsync($"/api/pci/tokens/{id}");

        await GuardianAssert.ErrorAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [SkippableFact]
    public async Task DeleteToken_Returns204_ThenTheTokenIsGone()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        string id = await tenant.TokenizeIdAsync();

        using HttpResponseMessage deleted = await tenant.Client.DeleteAsync($"/api/pci/tokens/{id}");
        using HttpResponseMessage read = await tenant.Client.GetAsync($"/api/pci/tokens/{id}");
        using HttpResponseMessage deletedAgain = await tenant.Client.DeleteAsync($"/api/pci/tokens/{id}");
        using HttpResponseMessage securityCode = await tenant.Client.GetAsync($"/api/pci/tokens/{id}/security-code");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await GuardianAssert.ErrorAsync(read, HttpStatusCode.NotFound, "NOT_FOUND");
        await GuardianAssert.ErrorAsync(deletedAgain, HttpStatusCode.NotFound, "NOT_FOUND");
        await GuardianAssert.ErrorAsync(securityCode, HttpStatusCode.NotFound, "NOT_FOUND");
        if (app.Postgres is PostgresTestDatabase postgres)
        {
            Assert.Equal(0L, await postgres.ScalarAsync($"SELECT count(*) FROM pci_tokens WHERE id = '{Guid.Parse(id)}'"));
        }
    }

    [SkippableFact]
    public async Task ListTokens_PagesWithCursorAndOmitsNextOnLastPage()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        var ids = new List<string>();
        for (int i = 0; i < 5; i++)
        {
            ids.Add(await tenant.TokenizeIdAsync());
        }

        var seen = new List<string>();
        string? next = "/api/pci/tokens?limit=2";
        int pages = 0;
        while (next is not null)
        {
            using HttpResponseMessage response = await tenant.Client.GetAsync(next);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            JsonElement body = await response.Content.ReadFromJsonAsync();
            seen.AddRange(body.GetProperty("data").EnumerateArray().Select(t => t.GetProperty("id").GetString()!));
            next = body.GetProperty("links").TryGetProperty("next", out JsonElement link) ? link.GetString() : null;
            if (next is not null)
            {
                Assert.Equal($"/api/pci/tokens?after={seen[^1]}&limit=2", next);
            }

            pages++;
        }

        // Both engines order ids by their canonical lower-case text (PostgreSQL compares uuid values bytewise, the same order).
        Assert.Equal(3, pages);
        Assert.Equal(ids.Order(StringComparer.Ordinal), seen);

        using HttpResponseMessage past = await tenant.Client.GetAsync($"/api/pci/tokens?after={seen[^1]}");
        Assert.Equal(HttpStatusCode.OK, past.StatusCode);
        Assert.Empty((await past.Content.ReadFromJsonAsync()).GetProperty("data").EnumerateArray());
    }

    [SkippableTheory]
    [InlineData("limit=0", "$.query.limit")]
    [InlineData("limit=101", "$.query.limit")]
    [InlineData("limit=abc", "$.query.limit")]
    [InlineData("after=nope", "$.query.after")]
    public async Task ListTokens_BadQuery_Returns422WithPath(string query, string path)
    {
        TestTenant tenant = await app.CreateTenantAsync();

        using HttpResponseMessage response = await tenant.Client.GetAsync($"/api/pci/tokens?{query}");

        await GuardianAssert.ValidationAsync(response, path);
    }

    [SkippableFact]
    public async Task SecurityCode_AvailableOnlyWhenGiven_AndDeletable()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        string withCode = await tenant.TokenizeIdAsync(TestCards.PanSource(securityCode: "123"));
        string withoutCode = await tenant.TokenizeIdAsync(TestCards.PanSource(securityCode: null));

        Assert.True(await SecurityCodeAvailableAsync(tenant, withCode));
        Assert.False(await SecurityCodeAvailableAsync(tenant, withoutCode));

        using HttpResponseMessage deleted = await tenant.Client.DeleteAsync($"/api/pci/tokens/{withCode}/security-code");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.False(await SecurityCodeAvailableAsync(tenant, withCode));

        using HttpResponseMessage token = await tenant.Client.GetAsync($"/api/pci/tokens/{withCode}");
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
    }

    [SkippableFact]
    public async Task SecurityCodeSession_ReturnsSessionIdForExistingToken_404Otherwise()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        string id = await tenant.TokenizeIdAsync();

        using HttpResponseMessage session = await tenant.Client.PostAsync($"/api/pci/tokens/{id}/security-code", JsonContent.Create(new { }));
        using HttpResponseMessage missing = await tenant.Client.PostAsync($"/api/pci/tokens/{Guid.NewGuid()}/security-code", JsonContent.Create(new { }));

        Assert.Equal(HttpStatusCode.OK, session.StatusCode);
        Assert.True(Guid.TryParse((await session.Content.ReadFromJsonAsync()).GetProperty("session_id").GetString(), out _));
        await GuardianAssert.ErrorAsync(missing, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    private static async Task<bool> SecurityCodeAvailableAsync(TestTenant tenant, string id)
    {
        using HttpResponseMessage response = await tenant.Client.GetAsync($"/api/pci/tokens/{id}/security-code");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync()).GetProperty("security_code_available").GetBoolean();
    }
}

/// <summary>The Guardian token API on the embedded default, SQLite.</summary>
public sealed class SqlitePciTokenApiTests(StrongroomApplication app) : PciTokenApiTests(app), IClassFixture<StrongroomApplication>;

/// <summary>The Guardian token API on PostgreSQL (skipped locally without <c>STRONGROOM_TEST_POSTGRES</c>, fails on CI).</summary>
public sealed class PostgresPciTokenApiTests(PostgresServerFixture fixture) : PciTokenApiTests(fixture.AppOrSkip()), IClassFixture<PostgresServerFixture>;
