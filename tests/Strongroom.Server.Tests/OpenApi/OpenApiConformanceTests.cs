using System.Net.Http.Json;
using System.Text;
using Strongroom.Testing.OpenApi;

namespace Strongroom.Server.Tests.OpenApi;

/// <summary>
/// The conformance check can fail and does run: the validator rejects the camelCase bodies of issue 18 and a wrong error shape,
/// accepts what the vault actually sends, and the test application records the responses its clients receive.
/// </summary>
public sealed class OpenApiConformanceTests(StrongroomApplication app) : IClassFixture<StrongroomApplication>
{
    private const string SnakeCaseToken = """
        {"id":"8744c9ea-a02b-4ae6-875c-b64fc333e3ef","card":{"expiry_month":12,"expiry_year":2030,"masked_account_number":"411111******1111","scheme":"visa"},"created_at":"2026-01-01T12:00:00Z"}
        """;

    private const string CamelCaseToken = """
        {"id":"8744c9ea-a02b-4ae6-875c-b64fc333e3ef","card":{"expiryMonth":12,"expiryYear":2030,"maskedAccountNumber":"411111******1111","scheme":"visa"},"createdAt":"2026-01-01T12:00:00Z"}
        """;

    [Fact]
    public async Task Validator_AcceptsTheWire_AndRejectsCamelCaseAndForeignErrorShapes()
    {
        OpenApiResponseValidator validator = new(await DocumentAsync());
        const string Path = "/api/pci/tokens/8744c9ea-a02b-4ae6-875c-b64fc333e3ef";

        Assert.Null(validator.Validate(Json("GET", Path, 200, SnakeCaseToken)));
        Assert.Contains("created_at", validator.Validate(Json("GET", Path, 200, CamelCaseToken)), StringComparison.Ordinal);
        // A Tap-shaped error on a Guardian route is not Guardian's {code, classifier, message}.
        Assert.NotNull(validator.Validate(Json("GET", Path, 404, """{"errors":[{"code":"1404","description":"Not found."}]}""")));
        Assert.Null(validator.Validate(Json("GET", Path, 404, """{"code":404,"classifier":"NOT_FOUND","message":"Not found"}""")));
        // A status no operation declares is still covered by the dialect's default error response.
        Assert.Null(validator.Validate(Json("GET", Path, 405, """{"code":405,"classifier":"METHOD_NOT_ALLOWED","message":"Method not allowed"}""")));
        Assert.NotNull(validator.Validate(new ObservedResponse("GET", Path, 200, "text/plain", Encoding.UTF8.GetBytes("ok"))));
    }

    [SkippableFact]
    public async Task TestApplication_RecordsEveryResponse_AndTheyConform()
    {
        Skip.IfNot(OpenApiConformance.Enabled, $"{OpenApiConformance.SwitchVariable}=off");
        TestTenant tenant = await app.CreateTenantAsync("Conformance");
        int before = app.Conformance.Count;

        using HttpResponseMessage created = await tenant.Client.PostAsJsonAsync("/api/pci/tokens",
            new { source = new { type = "pan", account_number = TestCards.Visa, expiry_month = 12, expiry_year = DateTime.UtcNow.Year + 2, security_code = "123" } });
        using HttpResponseMessage invalid = await tenant.Client.PostAsJsonAsync("/api/pci/tokens", new { source = new { type = "pan" } });
        using HttpResponseMessage missing = await tenant.Client.GetAsync("/api/pci/tokens/not-a-token");

        Assert.True(created.IsSuccessStatusCode);
        Assert.Equal(422, (int)invalid.StatusCode);
        Assert.Equal(404, (int)missing.StatusCode);
        Assert.True(app.Conformance.Count >= before + 3);
        Assert.Empty(app.Conformance.Violations(await DocumentAsync()));
    }

    private async Task<string> DocumentAsync()
    {
        using HttpClient client = app.CreateClient();
        return await client.GetStringAsync("/openapi/v1.json");
    }

    private static ObservedResponse Json(string method, string path, int status, string body) =>
        new(method, path, status, "application/json; charset=utf-8", Encoding.UTF8.GetBytes(body));
}
