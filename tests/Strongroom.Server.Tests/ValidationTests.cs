using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Strongroom.Server.Tests;

/// <summary>Every bad request is a Guardian 422 with a JSON path, never a 500 or a framework body, and never echoes card data.</summary>
public sealed class ValidationTests(StrongroomApplication app) : IClassFixture<StrongroomApplication>
{
    private static readonly int FutureYear = DateTime.UtcNow.Year + 2;

    public static TheoryData<string, string> InvalidBodies => new()
    {
        { "{}", "$.source" },
        { """{"source":"pan"}""", "$.source" },
        { """{"source":{}}""", "$.source.type" },
        { """{"source":{"type":"iban"}}""", "$.source.type" },
        { """{"source":{"type":5}}""", "$.source.type" },
        { $$$"""{"source":{"type":"pan","expiry_month":12,"expiry_year":{{{FutureYear}}}}}""", "$.source.account_number" },
        { $$$"""{"source":{"type":"pan","account_number":4111111111111111,"expiry_month":12,"expiry_year":{{{FutureYear}}}}}""", "$.source.account_number" },
        { $$$"""{"source":{"type":"pan","account_number":"4111111111111112","expiry_month":12,"expiry_year":{{{FutureYear}}}}}""", "$.source.account_number" },
        { $$$"""{"source":{"type":"pan","account_number":"4111 1111 1111 1111","expiry_month":12,"expiry_year":{{{FutureYear}}}}}""", "$.source.account_number" },
        { $$$"""{"source":{"type":"pan","account_number":"41111111111","expiry_month":12,"expiry_year":{{{FutureYear}}}}}""", "$.source.account_number" },
        { $$$"""{"source":{"type":"pan","account_number":"9111111111111111","expiry_month":12,"expiry_year":{{{FutureYear}}}}}""", "$.source.account_number" },
        { $$$"""{"source":{"type":"pan","account_number":"4111111111111111","expiry_month":13,"expiry_year":{{{FutureYear}}}}}""", "$.source.expiry_month" },
        { $$$"""{"source":{"type":"pan","account_number":"4111111111111111","expiry_month":0,"expiry_year":{{{FutureYear}}}}}""", "$.source.expiry_month" },
        { $$$"""{"source":{"type":"pan","account_number":"4111111111111111","expiry_month":"12","expiry_year":{{{FutureYear}}}}}""", "$.source.expiry_month" },
        { $$$"""{"source":{"type":"pan","account_number":"4111111111111111","expiry_month":1.5,"expiry_year":{{{FutureYear}}}}}""", "$.source.expiry_month" },
        { """{"source":{"type":"pan","account_number":"4111111111111111","expiry_month":12}}""", "$.source.expiry_year" },
        { """{"source":{"type":"pan","account_number":"4111111111111111","expiry_month":12,"expiry_year":1999}}""", "$.source.expiry_year" },
        { """{"source":{"type":"pan","account_number":"4111111111111111","expiry_month":1,"expiry_year":2020}}""", "$.source.expiry_year" },
        { $$$"""{"source":{"type":"pan","account_number":"4111111111111111","expiry_month":12,"expiry_year":{{{FutureYear}}},"security_code":"12"}}""", "$.source.security_code" },
        { $$$"""{"source":{"type":"pan","account_number":"4111111111111111","expiry_month":12,"expiry_year":{{{FutureYear}}},"security_code":"12a"}}""", "$.source.security_code" },
        { $$$"""{"source":{"type":"pan","account_number":"4111111111111111","expiry_month":12,"expiry_year":{{{FutureYear}}},"security_code":123}}""", "$.source.security_code" },
        { $$$"""{"source":{"type":"pan","account_number":"378282246310005","expiry_month":12,"expiry_year":{{{FutureYear}}},"security_code":"12345"}}""", "$.source.security_code" },
        { $$$"""{"source":{"type":"pan","account_number":"4111111111111111","expiry_month":12,"expiry_year":{{{FutureYear}}},"security_code":"1 23"}}""", "$.source.security_code" },
        { $$$"""{"source":{"type":"pan","account_number":"4111111111111111","expiry_month":12,"expiry_year":{{{FutureYear}}},"cardholder_name":7}}""", "$.source.cardholder_name" },
        { """{"source":{"type":"session"},"expires_in":0}""", "$.expires_in" },
        { """{"source":{"type":"session"},"expires_in":2592001}""", "$.expires_in" },
        { """{"source":{"type":"session"},"expires_in":"60"}""", "$.expires_in" },
        { """{"source":{"type":"session"},"metadata":[]}""", "$.metadata" },
        { """{"source":{"type":"session"},"metadata":{"n":1}}""", "$.metadata.n" },
        { """{"source":{"type":"session"},"metadata":{"abcdefghijklmnopqrstu":"x"}}""", "$.metadata.abcdefghijklmnopqrstu" },
        { """{"source":{"type":"session"},"metadata":{"note":"4111111111111111"}}""", "$.metadata.note" },
        { """{"source":{"type":"session"},"metadata":{"4111111111111111":"x"}}""", "$.metadata" },
        { "{not json", "$" },
        { "[1,2]", "$" },
        { "\"just a string\"", "$" },
        { "", "$" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task CreateToken_InvalidBody_Returns422WithPath(string body, string path)
    {
        TestTenant tenant = await app.CreateTenantAsync();

        using HttpResponseMessage response = await tenant.Client.PostAsync("/api/pci/tokens", new StringContent(body, Encoding.UTF8, "application/json"));

        JsonElement error = await GuardianAssert.ValidationAsync(response, path);
        foreach (string pan in new[] { "4111111111111111", "4111111111111112", "378282246310005", "4111 1111 1111 1111" })
        {
            Assert.DoesNotContain(pan, error.GetRawText(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task CreateToken_MetadataLimits_TwentyPairsPass_TwentyOneFail()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        // 20-character keys; not zero-padded 16-digit numbers, which pass Luhn (0000000000000000) and are refused as card numbers.
        Dictionary<string, string> twenty = Enumerable.Range(0, 20).ToDictionary(i => $"key_{i:D2}_abcdefghijklm", _ => new string('v', 80));
        Dictionary<string, string> twentyOne = Enumerable.Range(0, 21).ToDictionary(i => $"k{i}", _ => "v");
        var longValue = new Dictionary<string, string> { ["k"] = new string('v', 81) };

        using HttpResponseMessage ok = await tenant.Client.PostAsJsonAsync("/api/pci/tokens", new { source = TestCards.PanSource(), metadata = twenty });
        using HttpResponseMessage tooMany = await tenant.Client.PostAsJsonAsync("/api/pci/tokens", new { source = TestCards.PanSource(), metadata = twentyOne });
        using HttpResponseMessage tooLong = await tenant.Client.PostAsJsonAsync("/api/pci/tokens", new { source = TestCards.PanSource(), metadata = longValue });

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(20, (await ok.Content.ReadFromJsonAsync()).GetProperty("metadata").EnumerateObject().Count());
        await GuardianAssert.ValidationAsync(tooMany, "$.metadata");
        await GuardianAssert.ValidationAsync(tooLong, "$.metadata.k");
    }

    [Fact]
    public async Task CreateToken_SeveralErrors_ReportsEachPath()
    {
        TestTenant tenant = await app.CreateTenantAsync();

        using HttpResponseMessage response = await tenant.Client.PostAsync("/api/pci/tokens", new StringContent(
            """{"source":{"type":"pan","account_number":"123","expiry_month":14,"expiry_year":1990},"expires_in":-1}""", Encoding.UTF8, "application/json"));

        JsonElement body = await GuardianAssert.ValidationAsync(response, "$.source.account_number");
        string[] paths = body.GetProperty("validation_errors").EnumerateArray().Select(e => e.GetProperty("path").GetString()!).ToArray();
        Assert.Contains("$.source.expiry_month", paths);
        Assert.Contains("$.source.expiry_year", paths);
        Assert.Contains("$.expires_in", paths);
        Assert.All(body.GetProperty("validation_errors").EnumerateArray(), e => Assert.False(string.IsNullOrWhiteSpace(e.GetProperty("message").GetString())));
    }

    [Fact]
    public async Task CreateToken_InvalidCard_StoresNothing()
    {
        TestTenant tenant = await app.CreateTenantAsync();

        using HttpResponseMessage rejected = await tenant.Client.PostAsJsonAsync("/api/pci/tokens", new { source = TestCards.PanSource(month: 13) });
        using HttpResponseMessage list = await tenant.Client.GetAsync("/api/pci/tokens");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, rejected.StatusCode);
        Assert.Empty((await list.Content.ReadFromJsonAsync()).GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task CreateToken_BodyOver64KB_Returns413InGuardianShape()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        string huge = "{\"source\":{\"type\":\"session\"},\"pad\":\"" + new string('x', 70_000) + "\"}";

        using HttpResponseMessage response = await tenant.Client.PostAsync("/api/pci/tokens", new StringContent(huge, Encoding.UTF8, "application/json"));

        await GuardianAssert.ErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE");
    }

    [Fact]
    public async Task CreateToken_BodyOver64KBWithoutCredentials_Returns401BeforeTheBodyIsRead()
    {
        using HttpClient anonymous = app.CreateClient();
        string huge = "{\"source\":{\"type\":\"session\"},\"pad\":\"" + new string('x', 70_000) + "\"}";

        using HttpResponseMessage response = await anonymous.PostAsync("/api/pci/tokens", new StringContent(huge, Encoding.UTF8, "application/json"));

        await GuardianAssert.ErrorAsync(response, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }

    [Fact]
    public async Task CreateToken_NotJsonContentType_Returns415InGuardianShape()
    {
        TestTenant tenant = await app.CreateTenantAsync();

        using HttpResponseMessage response = await tenant.Client.PostAsync("/api/pci/tokens", new StringContent("source=pan", Encoding.UTF8, "application/x-www-form-urlencoded"));

        await GuardianAssert.ErrorAsync(response, HttpStatusCode.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE");
    }

    [Fact]
    public async Task UnknownApiRoute_Returns404InGuardianShape()
    {
        using HttpClient client = app.CreateClient();

        using HttpResponseMessage response = await client.GetAsync("/api/pci/nothing-here/at/all");

        await GuardianAssert.ErrorAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
    }
}
