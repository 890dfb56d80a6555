using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Strongroom.Server.Tests;

/// <summary>
/// The Tap dialect's single-use card tokens (<c>POST /v2/tokens</c>, <c>GET /v2/tokens/{id}</c>): the seed's shape
/// field by field, number/cvc/year forms, validation codes, Bearer authentication, single use through a Guardian
/// PCI token (<c>source.type = single_use_token</c>), expiry, the per-tenant fingerprint, tenant isolation and the
/// absence of card data in logs.
/// </summary>
public sealed partial class TapTokenApiTests(StrongroomApplication app) : IClassFixture<StrongroomApplication>
{
    private const string Tokens = "/v2/tokens";
    private const string PciTokens = "/api/pci/tokens";

    /// <summary>The seed's card (THE CO-OPERATIVE BANK PLC, GB, visa debit); Luhn-valid.</summary>
    private const string SeedPan = "4508750015741019";

    /// <summary>The request of the Tap seed (001_eb6a113882041da8), verbatim.</summary>
    private const string SeedRequest = """
        {
          "card": {
            "number": 4508750015741019,
            "exp_month": 1,
            "exp_year": 2039,
            "cvc": 100,
            "name": "test user",
            "address": {
              "country": "Kuwait",
              "line1": "Salmiya, 21",
              "city": "Kuwait city",
              "street": "Salim",
              "avenue": "Gulf"
            }
          },
          "client_ip": "192.168.1.20"
        }
        """;

    /// <summary>The 200 response of the Tap seed (001_eb6a113882041da8), verbatim.</summary>
    private const string SeedResponse = """
        {
          "id": "tok_SpTV5823926VPgE27bU3O801",
          "created": 1682587618801,
          "object": "token",
          "live_mode": false,
          "type": "CARD",
          "used": false,
          "card": {
            "id": "card_u35O5823926okiJ27sk3D805",
            "object": "card",
            "address": {
              "country": "Kuwait",
              "city": "Kuwait city",
              "avenue": "Gulf",
              "street": "Salim",
              "line1": "Salmiya, 21"
            },
            "funding": "DEBIT",
            "fingerprint": "E1I78d8PV0UHivCrvV8dTkI%2FQJRHPow4XAU4FfmZxCQ%3D",
            "brand": "VISA",
            "scheme": "VISA",
            "name": "test user",
            "issuer": {
              "bank": "THE CO-OPERATIVE BANK PLC",
              "country": "GB",
              "id": "bnk_TS06A1120231227Kx242704090"
            },
            "exp_month": 1,
            "exp_year": 39,
            "last_four": "1019",
            "first_six": "450875"
          }
        }
        """;

    [GeneratedRegex("^tok_[A-Za-z0-9]{24}$")]
    private static partial Regex TokenId();

    [GeneratedRegex("^card_[A-Za-z0-9]{24}$")]
    private static partial Regex CardId();

    [GeneratedRegex("^[A-Za-z0-9%_.~-]+$")]
    private static partial Regex UrlSafe();

    private static int Year => DateTime.UtcNow.Year + 3;

    // ---------------------------------------------------------------- the seed

    [Fact]
    public async Task Create_SeedRequest_MatchesTheSeedResponseFieldByField()
    {
        TestTenant tenant = await app.CreateTenantAsync("Tap seed");
        using HttpClient client = TapClient(tenant.ApiKey);
        long before = app.Clock.GetUtcNow().ToUnixTimeMilliseconds();

        using HttpResponseMessage response = await client.PostAsync(Tokens, Json(SeedRequest));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        string text = await response.Content.ReadAsStringAsync();
        JsonElement actual = JsonDocument.Parse(text).RootElement;
        JsonElement expected = JsonDocument.Parse(SeedResponse).RootElement;
        JsonElement request = JsonDocument.Parse(SeedRequest).RootElement;

        // The same property names at every level, in the seed's order.
        AssertSameNames(expected, actual);
        AssertSameNames(expected.GetProperty("card"), actual.GetProperty("card"));
        AssertSameNames(expected.GetProperty("card").GetProperty("issuer"), actual.GetProperty("card").GetProperty("issuer"));
        Assert.Equal(
            expected.GetProperty("card").GetProperty("address").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal),
            actual.GetProperty("card").GetProperty("address").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));

        // Token level.
        Assert.Matches(TokenId(), actual.GetProperty("id").GetString());
        Assert.NotEqual(expected.GetProperty("id").GetString(), actual.GetProperty("id").GetString());
        Assert.Equal(JsonValueKind.Number, actual.GetProperty("created").ValueKind);
        long created = actual.GetProperty("created").GetInt64();
        Assert.InRange(created, before - 1000, app.Clock.GetUtcNow().ToUnixTimeMilliseconds() + 1000);
        foreach (string name in new[] { "object", "type" })
        {
            Assert.Equal(expected.GetProperty(name).GetString(), actual.GetProperty(name).GetString());
        }

        Assert.Equal("token", actual.GetProperty("object").GetString());
        Assert.Equal("CARD", actual.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.False, actual.GetProperty("live_mode").ValueKind);
        Assert.Equal(JsonValueKind.False, actual.GetProperty("used").ValueKind);

        // Card level: every field of the seed that does not identify this very token is equal.
        JsonElement card = actual.GetProperty("card");
        JsonElement seedCard = expected.GetProperty("card");
        Assert.Matches(CardId(), card.GetProperty("id").GetString());
        foreach (string name in new[] { "object", "funding", "brand", "scheme", "name", "last_four", "first_six" })
        {
            Assert.Equal(JsonValueKind.String, card.GetProperty(name).ValueKind);
            Assert.Equal(seedCard.GetProperty(name).GetString(), card.GetProperty(name).GetString());
        }

        foreach (string name in new[] { "exp_month", "exp_year" })
        {
            Assert.Equal(JsonValueKind.Number, card.GetProperty(name).ValueKind);
            Assert.Equal(seedCard.GetProperty(name).GetInt32(), card.GetProperty(name).GetInt32());
        }

        Assert.Equal("card", card.GetProperty("object").GetString());
        Assert.Equal("DEBIT", card.GetProperty("funding").GetString());
        Assert.Equal("VISA", card.GetProperty("brand").GetString());
        Assert.Equal("VISA", card.GetProperty("scheme").GetString());
        Assert.Equal("test user", card.GetProperty("name").GetString());
        Assert.Equal(1, card.GetProperty("exp_month").GetInt32());
        Assert.Equal(39, card.GetProperty("exp_year").GetInt32());
        Assert.Equal("1019", card.GetProperty("last_four").GetString());
        Assert.Equal("450875", card.GetProperty("first_six").GetString());

        JsonElement issuer = card.GetProperty("issuer");
        foreach (string name in new[] { "bank", "country", "id" })
        {
            Assert.Equal(seedCard.GetProperty("issuer").GetProperty(name).GetString(), issuer.GetProperty(name).GetString());
        }

        Assert.Equal("THE CO-OPERATIVE BANK PLC", issuer.GetProperty("bank").GetString());
        Assert.Equal("GB", issuer.GetProperty("country").GetString());
        Assert.Equal("bnk_TS06A1120231227Kx242704090", issuer.GetProperty("id").GetString());

        // The address is the request's, field for field.
        Assert.Equal(AddressOf(request.GetProperty("card")), AddressOf(card));
        Assert.Equal(AddressOf(seedCard), AddressOf(card));

        // The fingerprint has the seed's form (percent-encoded base64 of 32 bytes); its value is this vault's key's.
        string fingerprint = card.GetProperty("fingerprint").GetString()!;
        Assert.Equal(Uri.UnescapeDataString(seedCard.GetProperty("fingerprint").GetString()!).Length, Uri.UnescapeDataString(fingerprint).Length);
        Assert.Equal(32, Convert.FromBase64String(Uri.UnescapeDataString(fingerprint)).Length);

        Assert.DoesNotContain(SeedPan, text, StringComparison.Ordinal);
        // No cvc field (the random fingerprint can spell "cvc" by chance, so the field is looked for, not the letters).
        Assert.DoesNotContain("\"cvc\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("192.168.1.20", text, StringComparison.Ordinal);
    }

    [Fact]
    public void SeedCardNumber_IsLuhnValid()
    {
        Assert.True(Strongroom.Core.Cards.Pan.TryParse(SeedPan, out Strongroom.Core.Cards.Pan? pan, out string? error), error);
        Assert.Equal(Strongroom.Core.Cards.CardScheme.Visa, pan!.Scheme);
    }

    // ---------------------------------------------------------------- input forms

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task Create_NumberAndCvc_AsStringsOrNumbers_AreAccepted(bool numberAsString, bool cvcAsString)
    {
        TestTenant tenant = await app.CreateTenantAsync("Tap forms");
        using HttpClient client = TapClient(tenant.ApiKey);
        string number = numberAsString ? $"\"{TestCards.Visa}\"" : TestCards.Visa;
        string cvc = cvcAsString ? "\"123\"" : "123";

        using HttpResponseMessage response = await client.PostAsync(Tokens, Json(
            Fill("""{"card":{"number":@0@,"exp_month":12,"exp_year":@1@,"cvc":@2@,"name":"Jane Roe"}}""", number, Year, cvc)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement card = (await response.Content.ReadFromJsonAsync()).GetProperty("card");
        Assert.Equal("411111", card.GetProperty("first_six").GetString());
        Assert.Equal("1111", card.GetProperty("last_four").GetString());
        Assert.Equal("CREDIT", card.GetProperty("funding").GetString());
        Assert.Equal("JPMORGAN CHASE BANK N.A.", card.GetProperty("issuer").GetProperty("bank").GetString());
        Assert.Equal("US", card.GetProperty("issuer").GetProperty("country").GetString());
        Assert.Matches("^bnk_[A-Za-z0-9]{24}$", card.GetProperty("issuer").GetProperty("id").GetString());
        Assert.False(card.TryGetProperty("address", out _));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Create_ExpYear_TwoOrFourDigits_MeanTheSameYear(bool yearAsString)
    {
        TestTenant tenant = await app.CreateTenantAsync("Tap years");
        using HttpClient client = TapClient(tenant.ApiKey);
        int fourDigits = Year;
        int twoDigits = fourDigits % 100;
        string Quote(int value) => yearAsString ? $"\"{value}\"" : value.ToString(System.Globalization.CultureInfo.InvariantCulture);

        JsonElement shortYear = await CreateTapAsync(client, Fill("""{"card":{"number":"@0@","exp_month":7,"exp_year":@1@}}""", TestCards.Mastercard, Quote(twoDigits)));
        JsonElement longYear = await CreateTapAsync(client, Fill("""{"card":{"number":"@0@","exp_month":7,"exp_year":@1@}}""", TestCards.Mastercard, Quote(fourDigits)));

        Assert.Equal(twoDigits, shortYear.GetProperty("card").GetProperty("exp_year").GetInt32());
        Assert.Equal(twoDigits, longYear.GetProperty("card").GetProperty("exp_year").GetInt32());
        Assert.Equal("MASTERCARD", shortYear.GetProperty("card").GetProperty("brand").GetString());

        // Both carry the four-digit year into the PCI token made from them.
        foreach (JsonElement token in new[] { shortYear, longYear })
        {
            JsonElement pci = await UseAsync(tenant.Client, Id(token));
            Assert.Equal(fourDigits, pci.GetProperty("card").GetProperty("expiry_year").GetInt32());
            Assert.Equal(7, pci.GetProperty("card").GetProperty("expiry_month").GetInt32());
        }
    }

    // ---------------------------------------------------------------- validation

    public static TheoryData<string, string, string> InvalidRequests()
    {
        int year = Year;
        return new TheoryData<string, string, string>
        {
            { "bad Luhn", Fill("""{"card":{"number":"4508750015741018","exp_month":1,"exp_year":@0@}}""", year), "1108" },
            { "bad Luhn as number", Fill("""{"card":{"number":4508750015741018,"exp_month":1,"exp_year":@0@}}""", year), "1108" },
            { "missing number", Fill("""{"card":{"exp_month":1,"exp_year":@0@}}""", year), "1108" },
            { "number not digits", Fill("""{"card":{"number":true,"exp_month":1,"exp_year":@0@}}""", year), "1108" },
            { "month 13", Fill("""{"card":{"number":"4508750015741019","exp_month":13,"exp_year":@0@}}""", year), "1109" },
            { "month 0", Fill("""{"card":{"number":"4508750015741019","exp_month":0,"exp_year":@0@}}""", year), "1109" },
            { "missing month", Fill("""{"card":{"number":"4508750015741019","exp_year":@0@}}""", year), "1109" },
            { "past year", """{"card":{"number":"4508750015741019","exp_month":1,"exp_year":2020}}""", "1110" },
            { "past two-digit year", """{"card":{"number":"4508750015741019","exp_month":1,"exp_year":20}}""", "1110" },
            { "missing year", """{"card":{"number":"4508750015741019","exp_month":1}}""", "1110" },
            { "amex with 2-digit cvc", Fill("""{"card":{"number":"@0@","exp_month":1,"exp_year":@1@,"cvc":"12"}}""", TestCards.Amex, year), "1111" },
            { "visa with 5-digit cvc", Fill("""{"card":{"number":"4508750015741019","exp_month":1,"exp_year":@0@,"cvc":12345}}""", year), "1111" },
            { "name not a string", Fill("""{"card":{"number":"4508750015741019","exp_month":1,"exp_year":@0@,"name":5}}""", year), "1112" },
            { "missing card", """{"client_ip":"192.168.1.20"}""", "1105" },
            { "card not an object", """{"card":"4508750015741019"}""", "1105" },
            { "not JSON", """{"card":{"number":"4508750015741019",""", "1100" },
            { "JSON array", """["4508750015741019"]""", "1100" },
            { "address with a number", Fill("""{"card":{"number":"4508750015741019","exp_month":1,"exp_year":@0@,"address":{"line1":21}}}""", year), "1113" },
            { "address with a PAN", Fill("""{"card":{"number":"4508750015741019","exp_month":1,"exp_year":@0@,"address":{"line1":"4508750015741019"}}}""", year), "1113" },
            { "address not an object", Fill("""{"card":{"number":"4508750015741019","exp_month":1,"exp_year":@0@,"address":"Salim"}}""", year), "1113" },
            { "bad client_ip", Fill("""{"card":{"number":"4508750015741019","exp_month":1,"exp_year":@0@},"client_ip":"192.168.1.300"}""", year), "1114" },
            { "client_ip not a string", Fill("""{"card":{"number":"4508750015741019","exp_month":1,"exp_year":@0@},"client_ip":19216812}""", year), "1114" },
        };
    }

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public async Task Create_InvalidRequest_Is400WithTheCode_AndNeverEchoesTheNumber(string because, string body, string code)
    {
        TestTenant tenant = await app.CreateTenantAsync("Tap validation");
        using HttpClient client = TapClient(tenant.ApiKey);

        using HttpResponseMessage response = await client.PostAsync(Tokens, Json(body));

        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{because}: {(int)response.StatusCode} {text}");
        string[] codes = TapErrorCodes(text);
        Assert.Contains(code, codes);
        Assert.DoesNotContain("4508750015741019", text, StringComparison.Ordinal);
        Assert.DoesNotContain("4508750015741018", text, StringComparison.Ordinal);
        Assert.DoesNotContain(TestCards.Amex, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_SeveralInvalidFields_ReportsEachCodeOnce()
    {
        TestTenant tenant = await app.CreateTenantAsync("Tap validation");
        using HttpClient client = TapClient(tenant.ApiKey);

        using HttpResponseMessage response = await client.PostAsync(Tokens, Json(
            """{"card":{"number":"4508750015741018","exp_month":13,"exp_year":1999,"cvc":"12"},"client_ip":"nope"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        string[] codes = TapErrorCodes(await response.Content.ReadAsStringAsync());
        Assert.Equal(["1108", "1109", "1110", "1111", "1114"], codes.Order(StringComparer.Ordinal));
    }

    // ---------------------------------------------------------------- authentication

    [Fact]
    public async Task Auth_BearerApiKeyRequired_ScopesEnforced_InTapErrorShape()
    {
        TestTenant tenant = await app.CreateTenantAsync("Tap auth");
        string readOnlyKey = await app.CreateApiKeyAsync(tenant.Id, ["tokens:read"]);
        string body = SeedBody(TestCards.Visa);
        JsonElement token;
        using (HttpClient owner = TapClient(tenant.ApiKey))
        {
            token = await CreateTapAsync(owner, body);
        }

        using HttpClient anonymous = app.CreateClient();
        using HttpClient wrongKey = TapClient("srk_this-is-not-a-key-0123456789abcdefghijkl");
        using HttpClient readOnly = TapClient(readOnlyKey);
        using HttpClient guardianStyle = app.ApiKeyClient(tenant.ApiKey);
        using HttpClient basic = app.CreateClient();
        basic.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(tenant.ApiKey + ":")));

        using HttpResponseMessage noHeader = await anonymous.PostAsync(Tokens, Json(body));
        using HttpResponseMessage noHeaderGet = await anonymous.GetAsync($"{Tokens}/{Id(token)}");
        using HttpResponseMessage wrong = await wrongKey.PostAsync(Tokens, Json(body));
        using HttpResponseMessage forbidden = await readOnly.PostAsync(Tokens, Json(body));
        using HttpResponseMessage readOnlyGet = await readOnly.GetAsync($"{Tokens}/{Id(token)}");
        using HttpResponseMessage xApiKey = await guardianStyle.PostAsync(Tokens, Json(body));
        using HttpResponseMessage basicAuth = await basic.PostAsync(Tokens, Json(body));

        await AssertTapErrorAsync(noHeader, HttpStatusCode.Unauthorized, "2107");
        await AssertTapErrorAsync(noHeaderGet, HttpStatusCode.Unauthorized, "2107");
        await AssertTapErrorAsync(wrong, HttpStatusCode.Unauthorized, "2107");
        await AssertTapErrorAsync(forbidden, HttpStatusCode.Forbidden, "2108");
        await AssertTapErrorAsync(xApiKey, HttpStatusCode.Unauthorized, "2107");
        await AssertTapErrorAsync(basicAuth, HttpStatusCode.Unauthorized, "2107");
        Assert.Equal(HttpStatusCode.OK, readOnlyGet.StatusCode);
        Assert.Equal(Id(token), Id(await readOnlyGet.Content.ReadFromJsonAsync()));
    }

    [Fact]
    public async Task Auth_GetWithoutTokensRead_Is403()
    {
        TestTenant tenant = await app.CreateTenantAsync("Tap auth", "tokens:create");
        using HttpClient client = TapClient(tenant.ApiKey);
        JsonElement token = await CreateTapAsync(client, SeedBody(TestCards.Visa));

        using HttpResponseMessage response = await client.GetAsync($"{Tokens}/{Id(token)}");

        await AssertTapErrorAsync(response, HttpStatusCode.Forbidden, "2108");
    }

    // ---------------------------------------------------------------- single use

    [Fact]
    public async Task Get_ThenUse_MarksUsed_AndThePciTokenHasTheCardAndItsSecurityCode()
    {
        TestTenant tenant = await app.CreateTenantAsync("Tap use");
        using HttpClient client = TapClient(tenant.ApiKey);
        JsonElement created = await CreateTapAsync(client, SeedRequest);
        string id = Id(created);

        using HttpResponseMessage read = await client.GetAsync($"{Tokens}/{id}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        JsonElement unused = await read.Content.ReadFromJsonAsync();
        Assert.Equal(created.GetRawText(), unused.GetRawText());
        Assert.False(unused.GetProperty("used").GetBoolean());

        using HttpResponseMessage use = await tenant.Client.PostAsJsonAsync(PciTokens, new
        {
            source = new { type = "single_use_token", token_id = id },
            metadata = new { order = "T-1" },
        });
        Assert.Equal(HttpStatusCode.OK, use.StatusCode);
        string useText = await use.Content.ReadAsStringAsync();
        JsonElement pci = JsonDocument.Parse(useText).RootElement;
        Guid pciId = pci.GetProperty("id").GetGuid();
        JsonElement pciCard = pci.GetProperty("card");
        Assert.Equal("450875******1019", pciCard.GetProperty("masked_account_number").GetString());
        Assert.Equal(1, pciCard.GetProperty("expiry_month").GetInt32());
        Assert.Equal(2039, pciCard.GetProperty("expiry_year").GetInt32());
        Assert.Equal("test user", pciCard.GetProperty("cardholder_name").GetString());
        Assert.Equal("visa", pciCard.GetProperty("scheme").GetString());
        Assert.Equal("T-1", pci.GetProperty("metadata").GetProperty("order").GetString());
        Assert.DoesNotContain(SeedPan, useText, StringComparison.Ordinal);

        using HttpResponseMessage stored = await tenant.Client.GetAsync($"{PciTokens}/{pciId}");
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        Assert.Equal("450875******1019", (await stored.Content.ReadFromJsonAsync()).GetProperty("card").GetProperty("masked_account_number").GetString());

        using HttpResponseMessage securityCode = await tenant.Client.GetAsync($"{PciTokens}/{pciId}/security-code");
        Assert.Equal(HttpStatusCode.OK, securityCode.StatusCode);
        Assert.True((await securityCode.Content.ReadFromJsonAsync()).GetProperty("security_code_available").GetBoolean());

        // The Tap token now reads as used, and still shows the card's clear fields.
        using HttpResponseMessage readUsed = await client.GetAsync($"{Tokens}/{id}");
        Assert.Equal(HttpStatusCode.OK, readUsed.StatusCode);
        JsonElement used = await readUsed.Content.ReadFromJsonAsync();
        Assert.True(used.GetProperty("used").GetBoolean());
        Assert.Equal(id, Id(used));
        Assert.Equal(created.GetProperty("card").GetProperty("id").GetString(), used.GetProperty("card").GetProperty("id").GetString());
        Assert.Equal(created.GetProperty("card").GetProperty("fingerprint").GetString(), used.GetProperty("card").GetProperty("fingerprint").GetString());
        Assert.Equal("450875", used.GetProperty("card").GetProperty("first_six").GetString());
        Assert.Equal("1019", used.GetProperty("card").GetProperty("last_four").GetString());
        Assert.Equal(created.GetProperty("created").GetInt64(), used.GetProperty("created").GetInt64());

        // A second use is a conflict, and creates nothing.
        using HttpResponseMessage again = await tenant.Client.PostAsJsonAsync(PciTokens, new { source = new { type = "single_use_token", token_id = id } });
        await GuardianAssert.ErrorAsync(again, HttpStatusCode.Conflict, "CONFLICT");
    }

    [Fact]
    public async Task Use_WithoutCvc_PciTokenHasNoSecurityCode()
    {
        TestTenant tenant = await app.CreateTenantAsync("Tap use");
        using HttpClient client = TapClient(tenant.ApiKey);
        JsonElement created = await CreateTapAsync(client, Fill("""{"card":{"number":"@0@","exp_month":3,"exp_year":@1@}}""", TestCards.Visa, Year));

        JsonElement pci = await UseAsync(tenant.Client, Id(created));

        using HttpResponseMessage securityCode = await tenant.Client.GetAsync($"{PciTokens}/{pci.GetProperty("id").GetGuid()}/security-code");
        Assert.Equal(HttpStatusCode.OK, securityCode.StatusCode);
        Assert.False((await securityCode.Content.ReadFromJsonAsync()).GetProperty("security_code_available").GetBoolean());
        Assert.False(pci.GetProperty("card").TryGetProperty("cardholder_name", out _));
    }

    [Fact]
    public async Task Use_Concurrently_ExactlyOneSucceeds()
    {
        TestTenant tenant = await app.CreateTenantAsync("Tap race");
        using HttpClient client = TapClient(tenant.ApiKey);
        string id = Id(await CreateTapAsync(client, SeedBody(TestCards.Visa)));

        HttpResponseMessage[] responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ =>
            tenant.Client.PostAsJsonAsync(PciTokens, new { source = new { type = "single_use_token", token_id = id } })));
        try
        {
            Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
            Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));

            // Exactly one PCI token exists for the card.
            using HttpResponseMessage list = await tenant.Client.GetAsync(PciTokens);
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
            Assert.Single((await list.Content.ReadFromJsonAsync()).GetProperty("data").EnumerateArray());
        }
        finally
        {
            foreach (HttpResponseMessage response in responses)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task Use_UnknownOrMalformedTokenId_Is422OnTheTokenId()
    {
        TestTenant tenant = await app.CreateTenantAsync("Tap use");

        using HttpResponseMessage unknown = await tenant.Client.PostAsJsonAsync(PciTokens, new { source = new { type = "single_use_token", token_id = "tok_AAAAAAAAAAAAAAAAAAAAAAAA" } });
        using HttpResponseMessage missing = await tenant.Client.PostAsJsonAsync(PciTokens, new { source = new { type = "single_use_token" } });
        using HttpResponseMessage notString = await tenant.Client.PostAsJsonAsync(PciTokens, new { source = new { type = "single_use_token", token_id = 5 } });

        await GuardianAssert.ValidationAsync(unknown, "$.source.token_id");
        await GuardianAssert.ValidationAsync(missing, "$.source.token_id");
        await GuardianAssert.ValidationAsync(notString, "$.source.token_id");
    }

    // ---------------------------------------------------------------- expiry

    [Fact]
    public async Task AfterFiveMinutes_GetIs404_AndUseIs409()
    {
        TestTenant tenant = await app.CreateTenantAsync("Tap expiry");
        using HttpClient client = TapClient(tenant.ApiKey);
        string id = Id(await CreateTapAsync(client, SeedBody(TestCards.Visa)));

        app.Clock.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        try
        {
            using (HttpResponseMessage stillThere = await client.GetAsync($"{Tokens}/{id}"))
            {
                Assert.Equal(HttpStatusCode.OK, stillThere.StatusCode);
            }

            app.Clock.Advance(TimeSpan.FromSeconds(1));
            using HttpResponseMessage read = await client.GetAsync($"{Tokens}/{id}");
            using HttpResponseMessage use = await tenant.Client.PostAsJsonAsync(PciTokens, new { source = new { type = "single_use_token", token_id = id } });

            await AssertTapErrorAsync(read, HttpStatusCode.NotFound, "1143");
            await GuardianAssert.ErrorAsync(use, HttpStatusCode.Conflict, "CONFLICT");
            using HttpResponseMessage list = await tenant.Client.GetAsync(PciTokens);
            Assert.Empty((await list.Content.ReadFromJsonAsync()).GetProperty("data").EnumerateArray());
        }
        finally
        {
            app.Clock.Advance(-TimeSpan.FromMinutes(5));
        }
    }

    [Fact]
    public async Task Get_UnknownOrMalformedId_Is404()
    {
        TestTenant tenant = await app.CreateTenantAsync("Tap get");
        using HttpClient client = TapClient(tenant.ApiKey);

        using HttpResponseMessage unknown = await client.GetAsync($"{Tokens}/tok_AAAAAAAAAAAAAAAAAAAAAAAA");
        using HttpResponseMessage notTok = await client.GetAsync($"{Tokens}/{Guid.NewGuid()}");
        using HttpResponseMessage tooLong = await client.GetAsync($"{Tokens}/tok_{new string('A', 100)}");

        await AssertTapErrorAsync(unknown, HttpStatusCode.NotFound, "1143");
        await AssertTapErrorAsync(notTok, HttpStatusCode.NotFound, "1143");
        await AssertTapErrorAsync(tooLong, HttpStatusCode.NotFound, "1143");
    }

    // ---------------------------------------------------------------- fingerprint

    [Fact]
    public async Task Fingerprint_SameCardSameTenant_Equal_OtherTenantOrCard_Different_AndUrlSafe()
    {
        TestTenant tenant = await app.CreateTenantAsync("Tap fingerprint A");
        TestTenant other = await app.CreateTenantAsync("Tap fingerprint B");
        using HttpClient client = TapClient(tenant.ApiKey);
        using HttpClient otherClient = TapClient(other.ApiKey);

        string first = Fingerprint(await CreateTapAsync(client, SeedBody(SeedPan)));
        // Same card, different expiry, name and cvc: the fingerprint is the PAN's alone.
        string second = Fingerprint(await CreateTapAsync(client, Fill("""{"card":{"number":@0@,"exp_month":9,"exp_year":@1@,"cvc":"999","name":"Someone Else"}}""", SeedPan, Year)));
        string otherTenant = Fingerprint(await CreateTapAsync(otherClient, SeedBody(SeedPan)));
        string otherCard = Fingerprint(await CreateTapAsync(client, SeedBody(TestCards.Visa)));

        Assert.Equal(first, second);
        Assert.NotEqual(first, otherTenant);
        Assert.NotEqual(first, otherCard);
        foreach (string fingerprint in new[] { first, otherTenant, otherCard })
        {
            Assert.Matches(UrlSafe(), fingerprint);
            Assert.DoesNotContain('+', fingerprint);
            Assert.DoesNotContain('/', fingerprint);
            Assert.DoesNotContain('=', fingerprint);
            string base64 = Uri.UnescapeDataString(fingerprint);
            Assert.Equal(32, Convert.FromBase64String(base64).Length);
            Assert.Equal(fingerprint, Uri.EscapeDataString(base64));
        }

        // The fingerprint is keyed: not a plain hash of the number.
        string plainHash = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(Encoding.ASCII.GetBytes(SeedPan)));
        Assert.NotEqual(plainHash, Uri.UnescapeDataString(first));
    }

    // ---------------------------------------------------------------- isolation

    [Fact]
    public async Task AnotherTenant_CannotReadOrUseTheToken()
    {
        TestTenant tenant = await app.CreateTenantAsync("Tap owner");
        TestTenant other = await app.CreateTenantAsync("Tap intruder");
        using HttpClient client = TapClient(tenant.ApiKey);
        using HttpClient otherClient = TapClient(other.ApiKey);
        string id = Id(await CreateTapAsync(client, SeedBody(TestCards.Visa)));

        using HttpResponseMessage read = await otherClient.GetAsync($"{Tokens}/{id}");
        using HttpResponseMessage use = await other.Client.PostAsJsonAsync(PciTokens, new { source = new { type = "single_use_token", token_id = id } });

        await AssertTapErrorAsync(read, HttpStatusCode.NotFound, "1143");
        await GuardianAssert.ValidationAsync(use, "$.source.token_id");

        // The owner's token is untouched: still unused, still usable.
        using HttpResponseMessage ownerRead = await client.GetAsync($"{Tokens}/{id}");
        Assert.Equal(HttpStatusCode.OK, ownerRead.StatusCode);
        Assert.False((await ownerRead.Content.ReadFromJsonAsync()).GetProperty("used").GetBoolean());
        JsonElement pci = await UseAsync(tenant.Client, id);
        Assert.Equal("411111******1111", pci.GetProperty("card").GetProperty("masked_account_number").GetString());

        using HttpResponseMessage otherList = await other.Client.GetAsync(PciTokens);
        Assert.Empty((await otherList.Content.ReadFromJsonAsync()).GetProperty("data").EnumerateArray());
    }

    // ---------------------------------------------------------------- card data

    [Fact]
    public async Task Workload_LeavesNoCardDataInLogs()
    {
        const string Pan = "4444333322221111";
        TestTenant tenant = await app.CreateTenantAsync("Tap leak");
        using HttpClient client = TapClient(tenant.ApiKey);

        JsonElement withCvc = await CreateTapAsync(client, Fill("""{"card":{"number":@0@,"exp_month":1,"exp_year":@1@,"cvc":731,"name":"Leak Test"},"client_ip":"10.0.0.1"}""", Pan, Year));
        JsonElement asStrings = await CreateTapAsync(client, Fill("""{"card":{"number":"@0@","exp_month":1,"exp_year":@1@,"cvc":"731"}}""", SeedPan, Year));
        using (HttpResponseMessage read = await client.GetAsync($"{Tokens}/{Id(withCvc)}"))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        await UseAsync(tenant.Client, Id(withCvc));
        await UseAsync(tenant.Client, Id(asStrings));
        using (HttpResponseMessage again = await tenant.Client.PostAsJsonAsync(PciTokens, new { source = new { type = "single_use_token", token_id = Id(withCvc) } }))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        }

        string[] rejected =
        [
            Fill("""{"card":{"number":"4444333322221112","exp_month":1,"exp_year":@0@,"cvc":"731"}}""", Year),
            Fill("""{"card":{"number":@0@,"exp_month":13,"exp_year":@1@,"cvc":731}}""", Pan, Year),
            Fill("""{"card":{"number":@0@,"exp_month":1,"exp_year":@1@,"address":{"line1":"@2@"}}}""", Pan, Year, Pan),
            Fill("""{"card":{"number":"@0@","exp_month":1,""", Pan),
        ];
        foreach (string body in rejected)
        {
            using HttpResponseMessage response = await client.PostAsync(Tokens, Json(body));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        string logs = app.Logs.AllText;
        Assert.Contains(Id(withCvc), logs, StringComparison.Ordinal); // the workload was logged, without card data
        foreach (string pan in new[] { Pan, SeedPan, "4444333322221112", TestCards.Visa, TestCards.Amex, TestCards.Mastercard })
        {
            Assert.DoesNotContain(pan, logs, StringComparison.Ordinal);
        }

        Assert.DoesNotMatch(@"""?cvc""?\s*[:=]\s*""?\d", logs);
        Assert.DoesNotContain("\"cvc\":731", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("\"cvc\":\"731\"", logs, StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- helpers

    private HttpClient TapClient(string apiKey)
    {
        HttpClient client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return client;
    }

    /// <summary>Fills the placeholders <c>@0@</c>, <c>@1@</c>… of a JSON template (invariant culture).</summary>
    private static string Fill(string template, params object[] values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            template = template.Replace($"@{i}@", Convert.ToString(values[i], System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        }

        return template;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static string SeedBody(string pan) =>
        Fill("""{"card":{"number":"@0@","exp_month":1,"exp_year":@1@,"cvc":"100","name":"test user"},"client_ip":"192.168.1.20"}""", pan, Year);

    private static async Task<JsonElement> CreateTapAsync(HttpClient client, string body)
    {
        using HttpResponseMessage response = await client.PostAsync(Tokens, Json(body));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<JsonElement> UseAsync(HttpClient guardian, string tokenId)
    {
        using HttpResponseMessage response = await guardian.PostAsJsonAsync(PciTokens, new { source = new { type = "single_use_token", token_id = tokenId } });
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static string Id(JsonElement token) => token.GetProperty("id").GetString()!;

    private static string Fingerprint(JsonElement token) => token.GetProperty("card").GetProperty("fingerprint").GetString()!;

    private static Dictionary<string, string> AddressOf(JsonElement card) =>
        card.GetProperty("address").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);

    private static void AssertSameNames(JsonElement expected, JsonElement actual)
    {
        Assert.Equal(JsonValueKind.Object, actual.ValueKind);
        Assert.Equal(expected.EnumerateObject().Select(p => p.Name), actual.EnumerateObject().Select(p => p.Name));
    }

    /// <summary>Asserts Tap's error shape <c>{"errors":[{"code","description"}]}</c> and returns the codes.</summary>
    private static string[] TapErrorCodes(string text)
    {
        JsonElement body = JsonDocument.Parse(text).RootElement;
        Assert.Equal(["errors"], body.EnumerateObject().Select(p => p.Name));
        JsonElement[] errors = body.GetProperty("errors").EnumerateArray().ToArray();
        Assert.NotEmpty(errors);
        foreach (JsonElement error in errors)
        {
            Assert.Equal(["code", "description"], error.EnumerateObject().Select(p => p.Name));
            Assert.Matches("^[0-9]{4}$", error.GetProperty("code").GetString());
            Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("description").GetString()));
        }

        string[] codes = errors.Select(e => e.GetProperty("code").GetString()!).ToArray();
        Assert.Equal(codes.Length, codes.Distinct(StringComparer.Ordinal).Count());
        return codes;
    }

    private static async Task AssertTapErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode} {text}");
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        Assert.Equal([code], TapErrorCodes(text));
    }
}
