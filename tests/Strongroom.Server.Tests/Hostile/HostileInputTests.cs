using System.Net;
using System.Text;

namespace Strongroom.Server.Tests.Hostile;

/// <summary>
/// Bodies that are not Unicode text (raw invalid UTF-8, escaped lone surrogates) and errors the framework produces (unknown
/// routes, wrong methods, wrong content types, odd paths) get a 4xx in the route family's own error shape, never a 500 or an empty body.
/// </summary>
public sealed class HostileInputTests(StrongroomApplication app) : IClassFixture<StrongroomApplication>
{
    private static readonly int Year = DateTime.UtcNow.Year + 2;

    /// <summary>The two kinds of non-Unicode JSON string: a raw 0xFF byte, and an escaped lone high surrogate.</summary>
    public static TheoryData<string> NotUnicode => ["raw", "surrogate"];

    private static byte[] Bad(string kind) => kind == "raw" ? [(byte)'"', 0x34, 0xFF, 0xFE, 0x31, (byte)'"'] : Encoding.ASCII.GetBytes("\"4\\ud800 1\"");

    /// <summary>A JSON template whose <c>@</c> becomes the non-Unicode string (in a field the route reads).</summary>
    private static byte[] Body(string template, string kind)
    {
        string[] parts = template.Replace("@Y", Year.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal).Split('@');
        return [.. Encoding.UTF8.GetBytes(parts[0]), .. Bad(kind), .. Encoding.UTF8.GetBytes(parts[1])];
    }

    [Theory]
    [MemberData(nameof(NotUnicode))]
    public async Task NotUnicodeBody_OnEveryBodyRoute_Returns4xxInTheDialectShape(string kind)
    {
        HostileClients clients = await HostileClients.CreateAsync(app);
        Guid session = await clients.OpenSessionAsync();
        (string Path, string Template)[] routes =
        [
            ("/api/pci/tokens", """{"source":{"type":"pan","account_number":@,"expiry_month":12,"expiry_year":@Y}}"""),
            ("/api/pci/tokens", """{"source":{"type":"pan","account_number":"4111111111111111","expiry_month":12,"expiry_year":@Y,"cardholder_name":@}}"""),
            ("/api/pci/tokens", """{"source":{"type":"pan","account_number":"4111111111111111","expiry_month":12,"expiry_year":@Y},"metadata":{@:"x"}}"""),
            ("/api/network/tokens", """{"source":{"type":"pan","account_number":@,"expiry_month":12,"expiry_year":@Y}}"""),
            ("/api/metadata/pan", """{"account_number":@}"""),
            ("/v2/tokens", """{"card":{"number":@,"exp_month":12,"exp_year":@Y}}"""),
            ("/v2/tokens", """{"card":{"number":"4111111111111111","exp_month":12,"exp_year":@Y,"name":@}}"""),
            ("/api/card-token", """{"cardNumber":@}"""),
            ("/api/v4/sub-account/create", """{"request":"/api/v4/sub-account/create","nonce":1,"alias":@}"""),
            ($"/sessions/{session}/complete", """{"account_number":@,"expiry_month":12,"expiry_year":@Y}"""),
            ("/api/admin/tenants", """{"name":@}"""),
            ("/api/webhooks", """{"url":@,"event_types":["token.created"]}"""),
        ];

        using HttpClient client = app.CreateClient();
        foreach ((string path, string template) in routes)
        {
            using HttpRequestMessage request = clients.Authorized(HttpMethod.Post, path, Body(template, kind));
            using HttpResponseMessage response = await client.SendAsync(request);

            Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity, $"{path}: {(int)response.StatusCode}");
            await ErrorShape.AssertErrorAsync(response, path);
        }
    }

    [Theory]
    [InlineData("/api/nothing-here")]
    [InlineData("/api/pci/tokens/a/b/c")]
    [InlineData("/api/v4/nothing-here")]
    [InlineData("/api/card-token/extra")]
    [InlineData("/v2/tokens/a/b")]
    [InlineData("/sessions/x/y/z")]
    [InlineData("/no-such-root")]
    [InlineData("/api/pci/tokens/..%2f..%2fadmin")]
    [InlineData("/v2/tokens/%2e%2e/%2e%2e/x")]
    [InlineData("/api//pci//tokens//x//y")]
    public async Task UnknownOrOddPath_Returns404WithABodyInTheDialectShape(string path)
    {
        HostileClients clients = await HostileClients.CreateAsync(app);
        using HttpClient client = app.CreateClient();
        using HttpRequestMessage request = clients.Authorized(HttpMethod.Get, path);

        using HttpResponseMessage response = await client.SendAsync(request);

        await ErrorShape.AssertErrorAsync(response, path);
    }

    [Theory]
    [InlineData("PUT", "/api/pci/tokens")]
    [InlineData("PATCH", "/api/network/tokens")]
    [InlineData("DELETE", "/v2/tokens")]
    [InlineData("GET", "/api/card-token")]
    [InlineData("GET", "/api/v4/jwt")]
    [InlineData("PUT", "/api/admin/tenants")]
    [InlineData("DELETE", "/api/webhooks")]
    [InlineData("PUT", "/sessions/00000000-0000-0000-0000-000000000000/complete")]
    public async Task WrongMethod_Returns405WithABodyInTheDialectShape(string method, string path)
    {
        HostileClients clients = await HostileClients.CreateAsync(app);
        using HttpClient client = app.CreateClient();
        using HttpRequestMessage request = clients.Authorized(new HttpMethod(method), path, "{}"u8.ToArray());

        using HttpResponseMessage response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        await ErrorShape.AssertErrorAsync(response, path);
    }

    [Fact]
    public async Task WrongContentType_OnEveryBodyRouteFamily_Returns4xxWithABodyInTheDialectShape()
    {
        HostileClients clients = await HostileClients.CreateAsync(app);
        Guid session = await clients.OpenSessionAsync();
        string[] paths = ["/api/pci/tokens", "/api/network/tokens", "/v2/tokens", "/api/card-token", "/api/v4/sub-account/list", $"/sessions/{session}/complete", "/api/admin/tenants", "/api/webhooks"];
        using HttpClient client = app.CreateClient();
        foreach (string path in paths)
        {
            using HttpRequestMessage request = clients.Authorized(HttpMethod.Post, path, "account_number=4111111111111111"u8.ToArray(), "application/x-www-form-urlencoded");

            using HttpResponseMessage response = await client.SendAsync(request);

            await ErrorShape.AssertErrorAsync(response, path);
        }
    }

    [Fact]
    public async Task HostedFormCompletion_WithAFormContentType_Returns415InGuardianShape()
    {
        HostileClients clients = await HostileClients.CreateAsync(app);
        Guid session = await clients.OpenSessionAsync();
        using HttpClient client = app.CreateClient();

        using HttpResponseMessage response = await client.PostAsync($"/sessions/{session}/complete", new StringContent("a=b", Encoding.UTF8, "text/plain"));

        await GuardianAssert.ErrorAsync(response, HttpStatusCode.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE");
    }
}
