using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Strongroom.Core.Bins;

namespace Strongroom.Server.Tests;

/// <summary>
/// Guardian's metadata inquiries (<c>/api/metadata/…</c>) against the shipped BIN table: by PAN, by PCI token and
/// by network token; the fields present only when the table has a row; validation, scopes, tenant isolation, and
/// never more of the number than the first six and last four.
/// </summary>
public sealed class MetadataApiTests(StrongroomApplication app) : IClassFixture<StrongroomApplication>
{
    private const string ByPan = "/api/metadata/pan";

    /// <summary>Luhn-valid Visa whose BIN (444433) is not in the shipped table.</summary>
    private const string UnlistedVisa = "4444333322221111";

    /// <summary>Luhn-valid Mastercard matching only the shipped 8-digit prefix 51000000 (CREDIT).</summary>
    private const string EightDigitPrefixMastercard = "5100000000000008";

    private static int Year => DateTime.UtcNow.Year + 3;

    [Fact]
    public async Task ByPan_ListedCreditCard_HasFundingAndIssuer()
    {
        TestTenant tenant = await app.CreateTenantAsync("Metadata");

        (JsonElement body, string text) = await PostPanAsync(tenant, TestCards.Visa);

        Assert.Equal(["bin", "masked_account_number", "scheme", "funding", "issuer"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal("411111", body.GetProperty("bin").GetString());
        Assert.Equal("411111******1111", body.GetProperty("masked_account_number").GetString());
        Assert.Equal("visa", body.GetProperty("scheme").GetString());
        Assert.Equal("credit", body.GetProperty("funding").GetString());
        JsonElement issuer = body.GetProperty("issuer");
        Assert.Equal(["name", "country", "id"], issuer.EnumerateObject().Select(p => p.Name));
        Assert.Equal("JPMORGAN CHASE BANK N.A.", issuer.GetProperty("name").GetString());
        Assert.Equal("US", issuer.GetProperty("country").GetString());
        Assert.Matches("^bnk_[A-Za-z0-9]{24}$", issuer.GetProperty("id").GetString());
        Assert.Equal(BinCsv.IssuerIdFor("JPMORGAN CHASE BANK N.A.", "US"), issuer.GetProperty("id").GetString());
        Assert.DoesNotContain(TestCards.Visa, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ByPan_ListedDebitCard_HasTheIssuerIdFromTheTable()
    {
        TestTenant tenant = await app.CreateTenantAsync("Metadata");

        (JsonElement body, string text) = await PostPanAsync(tenant, "4508750015741019");

        Assert.Equal("450875", body.GetProperty("bin").GetString());
        Assert.Equal("450875******1019", body.GetProperty("masked_account_number").GetString());
        Assert.Equal("visa", body.GetProperty("scheme").GetString());
        Assert.Equal("debit", body.GetProperty("funding").GetString());
        Assert.Equal("THE CO-OPERATIVE BANK PLC", body.GetProperty("issuer").GetProperty("name").GetString());
        Assert.Equal("GB", body.GetProperty("issuer").GetProperty("country").GetString());
        Assert.Equal("bnk_TS06A1120231227Kx242704090", body.GetProperty("issuer").GetProperty("id").GetString());
        Assert.DoesNotContain("4508750015741019", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(TestCards.Mastercard, "555555", "555555******4444", "mastercard", "credit", "STRONGROOM TEST BANK", "US")]
    [InlineData(TestCards.Amex, "378282", "378282*****0005", "american express", "credit", "AMERICAN EXPRESS US CONSUMER", "US")]
    [InlineData("4000056655665556", "400005", "400005******5556", "visa", "debit", "STRONGROOM TEST BANK", "US")]
    [InlineData("4012888888881881", "401288", "401288******1881", "visa", "credit", "BANK OF AMERICA, N.A.", "US")]
    [InlineData(EightDigitPrefixMastercard, "510000", "510000******0008", "mastercard", "credit", "STRONGROOM TEST BANK", "US")]
    public async Task ByPan_OtherListedCards(string pan, string bin, string masked, string scheme, string funding, string bank, string country)
    {
        TestTenant tenant = await app.CreateTenantAsync("Metadata");

        (JsonElement body, string text) = await PostPanAsync(tenant, pan);

        Assert.Equal(bin, body.GetProperty("bin").GetString());
        Assert.Equal(masked, body.GetProperty("masked_account_number").GetString());
        Assert.Equal(scheme, body.GetProperty("scheme").GetString());
        Assert.Equal(funding, body.GetProperty("funding").GetString());
        Assert.Equal(bank, body.GetProperty("issuer").GetProperty("name").GetString());
        Assert.Equal(country, body.GetProperty("issuer").GetProperty("country").GetString());
        Assert.DoesNotContain(pan, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ByPan_UnlistedBin_HasSchemeOnly()
    {
        TestTenant tenant = await app.CreateTenantAsync("Metadata");

        (JsonElement body, string text) = await PostPanAsync(tenant, UnlistedVisa);

        Assert.Equal(["bin", "masked_account_number", "scheme"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal("444433", body.GetProperty("bin").GetString());
        Assert.Equal("444433******1111", body.GetProperty("masked_account_number").GetString());
        Assert.Equal("visa", body.GetProperty("scheme").GetString());
        Assert.DoesNotContain(UnlistedVisa, text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("4111111111111112")] // bad check digit
    [InlineData("4111 1111 1111 1111")] // separators
    [InlineData("41111111111")] // too short
    [InlineData("")]
    [InlineData("9111111111111110")] // Luhn-valid, no supported scheme
    public async Task ByPan_InvalidNumber_Is422OnAccountNumber_WithoutEchoingIt(string number)
    {
        TestTenant tenant = await app.CreateTenantAsync("Metadata");

        using HttpResponseMessage response = await tenant.Client.PostAsJsonAsync(ByPan, new { account_number = number });

        JsonElement body = await GuardianAssert.ValidationAsync(response, "$.account_number");
        if (number.Length > 0)
        {
            Assert.DoesNotContain(number, body.GetRawText(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ByPan_MissingOrNonStringOrMalformed_Is422()
    {
        TestTenant tenant = await app.CreateTenantAsync("Metadata");

        using HttpResponseMessage missing = await tenant.Client.PostAsJsonAsync(ByPan, new { });
        using HttpResponseMessage number = await tenant.Client.PostAsync(ByPan, new StringContent("""{"account_number":4111111111111111}""", System.Text.Encoding.UTF8, "application/json"));
        using HttpResponseMessage malformed = await tenant.Client.PostAsync(ByPan, new StringContent("""{"account_number":"4111111111111111",""", System.Text.Encoding.UTF8, "application/json"));

        await GuardianAssert.ValidationAsync(missing, "$.account_number");
        await GuardianAssert.ValidationAsync(number, "$.account_number");
        await GuardianAssert.ErrorAsync(malformed, HttpStatusCode.UnprocessableEntity, "VALIDATION_ERROR");
        Assert.DoesNotContain(TestCards.Visa, await number.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(TestCards.Visa, await malformed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ByPciToken_HasTheCardsMetadata()
    {
        TestTenant tenant = await app.CreateTenantAsync("Metadata");
        Guid listed = await CreatePciTokenAsync(tenant, "4508750015741019");
        Guid unlisted = await CreatePciTokenAsync(tenant, UnlistedVisa);

        JsonElement body = await GetAsync(tenant, $"/api/metadata/pci-tokens/{listed}", "4508750015741019");
        JsonElement bare = await GetAsync(tenant, $"/api/metadata/pci-tokens/{unlisted}", UnlistedVisa);

        Assert.Equal("450875", body.GetProperty("bin").GetString());
        Assert.Equal("450875******1019", body.GetProperty("masked_account_number").GetString());
        Assert.Equal("visa", body.GetProperty("scheme").GetString());
        Assert.Equal("debit", body.GetProperty("funding").GetString());
        Assert.Equal("THE CO-OPERATIVE BANK PLC", body.GetProperty("issuer").GetProperty("name").GetString());
        Assert.Equal("GB", body.GetProperty("issuer").GetProperty("country").GetString());
        Assert.Equal("bnk_TS06A1120231227Kx242704090", body.GetProperty("issuer").GetProperty("id").GetString());

        Assert.Equal(["bin", "masked_account_number", "scheme"], bare.EnumerateObject().Select(p => p.Name));
        Assert.Equal("444433******1111", bare.GetProperty("masked_account_number").GetString());
    }

    [Fact]
    public async Task ByPciToken_SameAnswerAsByPan()
    {
        TestTenant tenant = await app.CreateTenantAsync("Metadata");
        foreach (string pan in new[] { TestCards.Visa, TestCards.Amex, TestCards.Discover, UnlistedVisa })
        {
            Guid id = await CreatePciTokenAsync(tenant, pan);

            JsonElement byToken = await GetAsync(tenant, $"/api/metadata/pci-tokens/{id}", pan);
            (JsonElement byPan, _) = await PostPanAsync(tenant, pan);

            Assert.Equal(byPan.GetRawText(), byToken.GetRawText());
        }
    }

    [Fact]
    public async Task ByPciToken_EightDigitPrefix_SameAnswerAsByPan()
    {
        TestTenant tenant = await app.CreateTenantAsync("Metadata");
        Guid id = await CreatePciTokenAsync(tenant, EightDigitPrefixMastercard);

        JsonElement byToken = await GetAsync(tenant, $"/api/metadata/pci-tokens/{id}", EightDigitPrefixMastercard);
        (JsonElement byPan, _) = await PostPanAsync(tenant, EightDigitPrefixMastercard);

        Assert.Equal("credit", byPan.GetProperty("funding").GetString());
        Assert.Equal(byPan.GetRawText(), byToken.GetRawText());
    }

    [Fact]
    public async Task ByNetworkToken_HasTheFundingCardsMetadata()
    {
        TestTenant tenant = await app.CreateTenantAsync("Metadata");
        using HttpResponseMessage created = await tenant.Client.PostAsJsonAsync("/api/network/tokens", new { source = TestCards.PanSource(TestCards.Visa, month: 11, year: Year) });
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Guid id = (await created.Content.ReadFromJsonAsync()).GetProperty("id").GetGuid();

        JsonElement body = await GetAsync(tenant, $"/api/metadata/network-tokens/{id}", TestCards.Visa);

        Assert.Equal(["bin", "masked_account_number", "scheme", "funding", "issuer"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal("411111", body.GetProperty("bin").GetString());
        Assert.Equal("411111******1111", body.GetProperty("masked_account_number").GetString());
        Assert.Equal("visa", body.GetProperty("scheme").GetString());
        Assert.Equal("credit", body.GetProperty("funding").GetString());
        Assert.Equal("JPMORGAN CHASE BANK N.A.", body.GetProperty("issuer").GetProperty("name").GetString());

        // A network token id is not a PCI token id, and the other way round.
        using HttpResponseMessage asPci = await tenant.Client.GetAsync($"/api/metadata/pci-tokens/{id}");
        await GuardianAssert.ErrorAsync(asPci, HttpStatusCode.NotFound, "NOT_FOUND");
        Guid pciId = await CreatePciTokenAsync(tenant, TestCards.Mastercard);
        using HttpResponseMessage asNetwork = await tenant.Client.GetAsync($"/api/metadata/network-tokens/{pciId}");
        await GuardianAssert.ErrorAsync(asNetwork, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task ByNetworkToken_FromMastercard()
    {
        TestTenant tenant = await app.CreateTenantAsync("Metadata");
        Guid pciId = await CreatePciTokenAsync(tenant, TestCards.Mastercard);
        using HttpResponseMessage created = await tenant.Client.PostAsJsonAsync("/api/network/tokens", new { source = new { type = "pci_token", pci_token_id = pciId } });
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Guid id = (await created.Content.ReadFromJsonAsync()).GetProperty("id").GetGuid();

        JsonElement body = await GetAsync(tenant, $"/api/metadata/network-tokens/{id}", TestCards.Mastercard);

        Assert.Equal("555555******4444", body.GetProperty("masked_account_number").GetString());
        Assert.Equal("mastercard", body.GetProperty("scheme").GetString());
        Assert.Equal("credit", body.GetProperty("funding").GetString());
        Assert.Equal("STRONGROOM TEST BANK", body.GetProperty("issuer").GetProperty("name").GetString());
    }

    [Fact]
    public async Task AnotherTenantsTokens_AndUnknownIds_Are404()
    {
        TestTenant owner = await app.CreateTenantAsync("Metadata owner");
        TestTenant other = await app.CreateTenantAsync("Metadata other");
        Guid pciId = await CreatePciTokenAsync(owner, TestCards.Visa);
        using HttpResponseMessage created = await owner.Client.PostAsJsonAsync("/api/network/tokens", new { source = TestCards.PanSource(TestCards.Visa, year: Year) });
        Guid networkId = (await created.Content.ReadFromJsonAsync()).GetProperty("id").GetGuid();

        string[] notFound =
        [
            $"/api/metadata/pci-tokens/{Guid.NewGuid()}",
            $"/api/metadata/network-tokens/{Guid.NewGuid()}",
            "/api/metadata/pci-tokens/not-a-guid",
            "/api/metadata/network-tokens/not-a-guid",
        ];
        foreach (string path in notFound)
        {
            using HttpResponseMessage response = await owner.Client.GetAsync(path);
            await GuardianAssert.ErrorAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
        }

        using HttpResponseMessage otherPci = await other.Client.GetAsync($"/api/metadata/pci-tokens/{pciId}");
        using HttpResponseMessage otherNetwork = await other.Client.GetAsync($"/api/metadata/network-tokens/{networkId}");
        await GuardianAssert.ErrorAsync(otherPci, HttpStatusCode.NotFound, "NOT_FOUND");
        await GuardianAssert.ErrorAsync(otherNetwork, HttpStatusCode.NotFound, "NOT_FOUND");

        // The owner still sees both.
        using HttpResponseMessage ownerPci = await owner.Client.GetAsync($"/api/metadata/pci-tokens/{pciId}");
        using HttpResponseMessage ownerNetwork = await owner.Client.GetAsync($"/api/metadata/network-tokens/{networkId}");
        Assert.Equal(HttpStatusCode.OK, ownerPci.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ownerNetwork.StatusCode);
    }

    [Fact]
    public async Task DeletedPciToken_Is404()
    {
        TestTenant tenant = await app.CreateTenantAsync("Metadata");
        Guid id = await CreatePciTokenAsync(tenant, TestCards.Visa);
        using (HttpResponseMessage deleted = await tenant.Client.DeleteAsync($"/api/pci/tokens/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using HttpResponseMessage response = await tenant.Client.GetAsync($"/api/metadata/pci-tokens/{id}");

        await GuardianAssert.ErrorAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task WithoutTokensRead_Is403_WithoutKey_Is401()
    {
        TestTenant full = await app.CreateTenantAsync("Metadata");
        Guid pciId = await CreatePciTokenAsync(full, TestCards.Visa);
        string createOnly = await app.CreateApiKeyAsync(full.Id, ["tokens:create"]);
        using HttpClient limited = app.ApiKeyClient(createOnly);
        using HttpClient anonymous = app.CreateClient();

        using HttpResponseMessage pan = await limited.PostAsJsonAsync(ByPan, new { account_number = TestCards.Visa });
        using HttpResponseMessage pci = await limited.GetAsync($"/api/metadata/pci-tokens/{pciId}");
        using HttpResponseMessage network = await limited.GetAsync($"/api/metadata/network-tokens/{Guid.NewGuid()}");
        using HttpResponseMessage noKey = await anonymous.PostAsJsonAsync(ByPan, new { account_number = TestCards.Visa });

        await GuardianAssert.ErrorAsync(pan, HttpStatusCode.Forbidden, "FORBIDDEN");
        await GuardianAssert.ErrorAsync(pci, HttpStatusCode.Forbidden, "FORBIDDEN");
        await GuardianAssert.ErrorAsync(network, HttpStatusCode.Forbidden, "FORBIDDEN");
        await GuardianAssert.ErrorAsync(noKey, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        Assert.DoesNotContain(TestCards.Visa, await pan.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // A read-only key is enough.
        string readOnly = await app.CreateApiKeyAsync(full.Id, ["tokens:read"]);
        using HttpClient reader = app.ApiKeyClient(readOnly);
        using HttpResponseMessage allowed = await reader.PostAsJsonAsync(ByPan, new { account_number = TestCards.Visa });
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Fact]
    public async Task Inquiries_LeaveNoPanInLogs_AndStoreNothing()
    {
        const string Pan = "4000056655665556";
        TestTenant tenant = await app.CreateTenantAsync("Metadata leak");

        await PostPanAsync(tenant, Pan);
        using (HttpResponseMessage invalid = await tenant.Client.PostAsJsonAsync(ByPan, new { account_number = "4000056655665557" }))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.StatusCode);
        }

        using HttpResponseMessage list = await tenant.Client.GetAsync("/api/pci/tokens");
        Assert.Empty((await list.Content.ReadFromJsonAsync()).GetProperty("data").EnumerateArray());
        string logs = app.Logs.AllText;
        Assert.DoesNotContain(Pan, logs, StringComparison.Ordinal);
        Assert.DoesNotContain("4000056655665557", logs, StringComparison.Ordinal);
    }

    private static async Task<(JsonElement Body, string Text)> PostPanAsync(TestTenant tenant, string pan)
    {
        using HttpResponseMessage response = await tenant.Client.PostAsJsonAsync(ByPan, new { account_number = pan });
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {text}");
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        return (JsonDocument.Parse(text).RootElement.Clone(), text);
    }

    private static async Task<JsonElement> GetAsync(TestTenant tenant, string path, string pan)
    {
        using HttpResponseMessage response = await tenant.Client.GetAsync(path);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {text}");
        Assert.DoesNotContain(pan, text, StringComparison.Ordinal);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<Guid> CreatePciTokenAsync(TestTenant tenant, string pan) =>
        Guid.Parse(await tenant.TokenizeIdAsync(TestCards.PanSource(pan, securityCode: pan.Length == 15 ? "1234" : "123", year: Year)));
}
