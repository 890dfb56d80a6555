using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Strongroom.Server.Tests.Forwarding;
using static Strongroom.Server.Tests.InboundProxy.InboundProxyHarness;

namespace Strongroom.Server.Tests.InboundProxy;

/// <summary>
/// Malformed and hostile requests to an inbound route: none reaches the upstream, none gets a 500, each gets an answer in
/// the route's error shape. One upstream and one pair of routes (JSON and form) for the class; every case asserts the
/// upstream received nothing.
/// </summary>
public sealed class InboundProxyHostileTests(StrongroomApplication app) : IClassFixture<StrongroomApplication>, IAsyncLifetime
{
    private ProcessorServer? _upstream;
    private string _json = "";
    private string _form = "";

    private ProcessorServer Upstream => _upstream!;

    public async Task InitializeAsync()
    {
        _upstream = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantTrustingAsync(app, Upstream);
        _json = NewPrefix();
        _form = NewPrefix();
        Dictionary<string, object?> json = JsonRoute(Upstream, _json);
        json["max_body_bytes"] = 4096;
        await CreateRouteAsync(app, tenant.Id, json);
        Dictionary<string, object?> form = FormRoute(Upstream, _form);
        form["max_body_bytes"] = 4096;
        await CreateRouteAsync(app, tenant.Id, form);
    }

    public async Task DisposeAsync() => await Upstream.DisposeAsync();

    public static TheoryData<string, string> HostileJsonBodies => new()
    {
        { "invalid UTF-8", "{\"card\":{\"number\":\"\xC3\x28\"}}" },
        { "lone surrogate", """{"order":"\ud800","card":{"number":"4111111111111111","exp_month":"12","exp_year":2031}}""" },
        { "duplicate member", """{"card":{"number":"4111111111111111","number":"x","exp_month":"12","exp_year":2031}}""" },
        { "not JSON", "card=4111111111111111" },
        { "a string, not an object", "\"4111111111111111\"" },
        { "too deep", new string('[', 100) + new string(']', 100) },
        { "number is an object", """{"card":{"number":{"n":"4111111111111111"},"exp_month":"12","exp_year":2031}}""" },
        { "missing card", """{"order":"x"}""" },
        { "PAN in another field", """{"note":"4111 1111 1111 1111","card":{"number":"5555555555554444","exp_month":"12","exp_year":2031}}""" },
        { "PAN in a member name", """{"4111111111111111":1,"card":{"number":"5555555555554444","exp_month":"12","exp_year":2031}}""" },
        { "PAN as a JSON number", """{"n":4111111111111111,"card":{"number":"5555555555554444","exp_month":"12","exp_year":2031}}""" },
        { "PAN escaped", """{"note":"\u0034111111111111111","card":{"number":"5555555555554444","exp_month":"12","exp_year":2031}}""" },
        { "fullwidth digits", """{"card":{"number":"４１１１１１１１１１１１１１１１","exp_month":"12","exp_year":2031}}""" },
        { "bad month", """{"card":{"number":"4111111111111111","exp_month":"13","exp_year":2031}}""" },
        { "month with letters", """{"card":{"number":"4111111111111111","exp_month":"1a","exp_year":2031}}""" },
    };

    [Theory]
    [MemberData(nameof(HostileJsonBodies))]
    public async Task HostileJsonBody_IsRefused_NeverUpstream_Never500(string name, string body)
    {
        using HttpClient client = app.CreateClient();
        byte[] bytes = name == "invalid UTF-8" ? InvalidUtf8() : Encoding.UTF8.GetBytes(body);
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using HttpResponseMessage response = await client.PostAsync($"/inbound/{_json}/echo", content);

        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{name}: {(int)response.StatusCode} {text}");
        AssertNoCardNumber(text);
        Assert.Empty(Upstream.Requests);
    }

    private static byte[] InvalidUtf8()
    {
        byte[] bytes = Encoding.UTF8.GetBytes("{\"card\":{\"number\":\"XX\"}}");
        int at = Array.IndexOf(bytes, (byte)'X');
        bytes[at] = 0xC3;
        bytes[at + 1] = 0x28;
        return bytes;
    }

    public static TheoryData<string, string> HostileFormBodies => new()
    {
        { "bad percent", "card_number=4111111111111111&exp_month=12&exp_year=2031&x=%G1" },
        { "percent-encoded invalid UTF-8", "card_number=4111111111111111&exp_month=12&exp_year=2031&x=%C3%28" },
        { "card field twice", "card_number=5555555555554444&card_number=4111111111111111&exp_month=12&exp_year=2031" },
        { "PAN in another field", "card_number=5555555555554444&exp_month=12&exp_year=2031&memo=4111-1111-1111-1111" },
        { "PAN in a name", "card_number=5555555555554444&exp_month=12&exp_year=2031&4111111111111111=1" },
        { "missing card", "amount=10" },
        { "raw non-ASCII", "card_number=5555555555554444&exp_month=12&exp_year=2031&name=Jos\u00e9" },
    };

    [Theory]
    [MemberData(nameof(HostileFormBodies))]
    public async Task HostileFormBody_IsRefused_NeverUpstream_Never500(string name, string body)
    {
        using HttpClient client = app.CreateClient();
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");

        using HttpResponseMessage response = await client.PostAsync($"/inbound/{_form}/echo", content);

        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{name}: {(int)response.StatusCode} {text}");
        AssertNoCardNumber(text);
        Assert.Empty(Upstream.Requests);
    }

    [Fact]
    public async Task OversizedBody_DeclaredOrChunked_Is413()
    {
        using HttpClient client = app.CreateClient();
        string big = CardJson(extra: ",\"pad\":\"" + new string('a', 8000) + "\"");

        using HttpResponseMessage declared = await client.PostAsync($"/inbound/{_json}/echo", new StringContent(big, Encoding.UTF8, "application/json"));
        using var chunkedContent = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big)));
        chunkedContent.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var chunked = new HttpRequestMessage(HttpMethod.Post, $"/inbound/{_json}/echo") { Content = chunkedContent };
        chunked.Headers.TransferEncodingChunked = true;
        using HttpResponseMessage chunkedResponse = await client.SendAsync(chunked);

        await GuardianAssert.ErrorAsync(declared, HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE");
        await GuardianAssert.ErrorAsync(chunkedResponse, HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE");
        Assert.Empty(Upstream.Requests);
    }

    [Theory]
    [InlineData("x-note", "4111 1111 1111 1111")]
    [InlineData("x-own-header-name", "host")]
    [InlineData("x-own-header-value", "orphan")]
    [InlineData("x-bad", "tab\u0001control")]
    public async Task BadHeaders_AreRefused_NeverUpstream(string header, string value)
    {
        using HttpClient client = app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/inbound/{_json}/echo") { Content = new StringContent(CardJson(), Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation(header, value);

        using HttpResponseMessage response = await client.SendAsync(request);

        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode is HttpStatusCode.UnprocessableEntity or HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {text}");
        AssertNoCardNumber(text);
        Assert.Empty(Upstream.Requests);
    }

    [Theory]
    [InlineData("/echo?card=4111111111111111")]
    [InlineData("/echo?card=4111%201111%201111%201111")]
    [InlineData("/4111111111111111")]
    public async Task CardNumberInPathOrQuery_IsRefused(string pathAndQuery)
    {
        using HttpClient client = app.CreateClient();

        using HttpResponseMessage response = await client.PostAsync($"/inbound/{_json}{pathAndQuery}", new StringContent(CardJson(), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Empty(Upstream.Requests);
    }

    [Fact]
    public async Task DotSegments_AreRefused()
    {
        using HttpClient client = app.CreateClient();

        using HttpResponseMessage response = await client.PostAsync($"/inbound/{_json}/%2E%2E/admin", new StringContent(CardJson(), Encoding.UTF8, "application/json"));

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Empty(Upstream.Requests);
    }
}
