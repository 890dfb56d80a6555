using System.Net;
using System.Text;
using System.Text.Json;
using Strongroom.Core.Cards;
using Strongroom.Server.Tests.Forwarding;
using static Strongroom.Server.Tests.InboundProxy.InboundProxyHarness;

namespace Strongroom.Server.Tests.InboundProxy;

/// <summary>
/// The inbound proxy end to end against a real local HTTPS upstream (<see cref="ProcessorServer"/>, which records what it
/// receives): the upstream never receives a card number or security code, the client receives the upstream's answer, tokens
/// and aliases resolve back through the vault, and bad cards and refused requests never reach the upstream.
/// </summary>
public sealed class InboundProxyTests(StrongroomApplication app) : IClassFixture<StrongroomApplication>
{
    [Fact]
    public async Task JsonRoute_ReplacesTheCardNumberWithAToken_DropsTheCode_AndReturnsTheUpstreamsAnswer()
    {
        await using ProcessorServer upstream = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantTrustingAsync(app, upstream);
        string prefix = NewPrefix();
        await CreateRouteAsync(app, tenant.Id, JsonRoute(upstream, prefix));
        using HttpClient client = app.CreateClient();

        using HttpResponseMessage response = await client.PostAsync($"/inbound/{prefix}/echo?ref=abc",
            new StringContent(CardJson(), Encoding.UTF8, "application/json"));

        string answer = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        RecordedRequest received = Assert.Single(upstream.Requests);
        Assert.Equal("/echo?ref=abc", received.PathAndQuery);
        AssertNoCardNumber(Everything(received));
        JsonElement sent = JsonDocument.Parse(received.Body).RootElement;
        string tokenId = sent.GetProperty("card").GetProperty("number").GetString()!;
        Assert.True(Guid.TryParse(tokenId, out _));
        Assert.False(sent.GetProperty("card").TryGetProperty("cvc", out _));
        Assert.Equal("12", sent.GetProperty("card").GetProperty("exp_month").GetString());
        Assert.Equal("Jane Roe", sent.GetProperty("card").GetProperty("name").GetString());
        Assert.Equal(1999, sent.GetProperty("amount").GetInt32());
        Assert.Equal(received.Body, answer); // the upstream echoes: the client gets exactly its answer
        Assert.Equal("test", response.Headers.GetValues("x-processor").Single());

        // The token is a real one of the route's tenant, with the security code kept ephemerally.
        using HttpResponseMessage token = await tenant.Client.GetAsync($"/api/pci/tokens/{tokenId}");
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
        Assert.Equal("411111******1111", JsonDocument.Parse(await token.Content.ReadAsStringAsync()).RootElement.GetProperty("card").GetProperty("masked_account_number").GetString());
        using HttpResponseMessage code = await tenant.Client.GetAsync($"/api/pci/tokens/{tokenId}/security-code");
        Assert.Contains("true", await code.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FpeAliasRoute_SendsACardShapedAlias_ThatResolvesBackThroughForwarding()
    {
        await using ProcessorServer upstream = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantTrustingAsync(app, upstream);
        string prefix = NewPrefix();
        Dictionary<string, object?> route = JsonRoute(upstream, prefix);
        route["replacement"] = "fpe_alias";
        await CreateRouteAsync(app, tenant.Id, route);
        using HttpClient client = app.CreateClient();

        using HttpResponseMessage response = await client.PostAsync($"/inbound/{prefix}/echo", new StringContent(CardJson(), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        RecordedRequest received = Assert.Single(upstream.Requests);
        AssertNoCardNumber(Everything(received));
        string alias = JsonDocument.Parse(received.Body).RootElement.GetProperty("card").GetProperty("number").GetString()!;
        Assert.Equal(16, alias.Length);
        Assert.StartsWith("411111", alias, StringComparison.Ordinal);
        Assert.EndsWith("1111", alias, StringComparison.Ordinal);
        Assert.False(Luhn.IsValid(alias));

        // The merchant forwards by alias; the processor gets the real card and the security code the client sent.
        upstream.ClearRequests();
        using var forward = new HttpRequestMessage(HttpMethod.Post, $"/api/pci/tokens/{alias}/forward")
        {
            Content = new StringContent("""{"pan":{{ account_number }},"cvc":{{ security_code }}}""", Encoding.UTF8, "application/json"),
        };
        forward.Headers.Add("x-destination-url", upstream.Url("/echo"));
        using HttpResponseMessage forwarded = await tenant.Client.SendAsync(forward);
        Assert.Equal(HttpStatusCode.OK, forwarded.StatusCode);
        Assert.Equal("""{"pan":"4111111111111111","cvc":"123"}""", Assert.Single(upstream.Requests).Body);
    }

    [Fact]
    public async Task FormRoute_RewritesTheCardField_KeepsTheOthers_DropsTheCode()
    {
        await using ProcessorServer upstream = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantTrustingAsync(app, upstream);
        string prefix = NewPrefix();
        await CreateRouteAsync(app, tenant.Id, FormRoute(upstream, prefix));
        using HttpClient client = app.CreateClient();

        using HttpResponseMessage response = await client.PostAsync($"/inbound/{prefix}/echo", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["amount"] = "10.00",
            ["card_number"] = "4111 1111 1111 1111",
            ["exp_month"] = "07",
            ["exp_year"] = YearText,
            ["cvc"] = "123",
            ["name"] = "Jane Roe",
            ["note"] = "a&b=c",
        }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        RecordedRequest received = Assert.Single(upstream.Requests);
        AssertNoCardNumber(Everything(received));
        Dictionary<string, string> fields = received.Body.Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1].Replace('+', ' ')), StringComparer.Ordinal);
        Assert.True(Guid.TryParse(fields["card_number"], out _));
        Assert.False(fields.ContainsKey("cvc"));
        Assert.Equal("10.00", fields["amount"]);
        Assert.Equal("a&b=c", fields["note"]);
        Assert.Equal("Jane Roe", fields["name"]);
        Assert.Equal("07", fields["exp_month"]);
        Assert.StartsWith("application/x-www-form-urlencoded", received.Header("content-type"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("4111111111111112", "$.card.number")] // Luhn
    [InlineData("4111", "$.card.number")]
    public async Task BadCard_Is422InGuardianShape_AtTheRoutesPath_AndNothingGoesUpstream(string pan, string path)
    {
        await using ProcessorServer upstream = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantTrustingAsync(app, upstream);
        string prefix = NewPrefix();
        await CreateRouteAsync(app, tenant.Id, JsonRoute(upstream, prefix));
        using HttpClient client = app.CreateClient();

        using HttpResponseMessage response = await client.PostAsync($"/inbound/{prefix}/echo", new StringContent(CardJson(pan), Encoding.UTF8, "application/json"));

        JsonElement error = await GuardianAssert.ErrorAsync(response, HttpStatusCode.UnprocessableEntity, "VALIDATION_ERROR");
        Assert.Contains(path, error.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(pan, error.GetRawText(), StringComparison.Ordinal);
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task ProblemShapeRoute_AnswersABadCardWithProblemDetails()
    {
        await using ProcessorServer upstream = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantTrustingAsync(app, upstream);
        string prefix = NewPrefix();
        Dictionary<string, object?> route = JsonRoute(upstream, prefix);
        route["error_shape"] = "problem";
        await CreateRouteAsync(app, tenant.Id, route);
        using HttpClient client = app.CreateClient();

        using HttpResponseMessage response = await client.PostAsync($"/inbound/{prefix}/echo",
            new StringContent(CardJson(cvc: "12345"), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        JsonElement problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(422, problem.GetProperty("status").GetInt32());
        Assert.Equal("$.card.cvc", problem.GetProperty("errors")[0].GetProperty("path").GetString());
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task Unmatched_RefuseRoute_AnswersInItsShape_PassThroughRoute_SendsUnchanged()
    {
        await using ProcessorServer upstream = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantTrustingAsync(app, upstream);
        string refusing = NewPrefix();
        string passing = NewPrefix();
        await CreateRouteAsync(app, tenant.Id, JsonRoute(upstream, refusing));
        Dictionary<string, object?> pass = JsonRoute(upstream, passing);
        pass["unmatched"] = "pass_through";
        await CreateRouteAsync(app, tenant.Id, pass);
        using HttpClient client = app.CreateClient();

        using HttpResponseMessage wrongMethod = await client.GetAsync($"/inbound/{refusing}/echo");
        using HttpResponseMessage wrongPath = await client.PostAsync($"/inbound/{refusing}/other", new StringContent(CardJson(), Encoding.UTF8, "application/json"));
        using HttpResponseMessage wrongType = await client.PostAsync($"/inbound/{refusing}/echo", new StringContent(CardJson(), Encoding.UTF8, "text/plain"));
        await GuardianAssert.ErrorAsync(wrongMethod, HttpStatusCode.MethodNotAllowed, "METHOD_NOT_ALLOWED");
        await GuardianAssert.ErrorAsync(wrongPath, HttpStatusCode.NotFound, "NOT_FOUND");
        await GuardianAssert.ErrorAsync(wrongType, HttpStatusCode.UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE");
        Assert.Empty(upstream.Requests);

        using HttpResponseMessage passed = await client.PostAsync($"/inbound/{passing}/status/201", new StringContent("""{"hello":"world"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, passed.StatusCode);
        RecordedRequest received = Assert.Single(upstream.Requests);
        Assert.Equal("/status/201", received.PathAndQuery);
        Assert.Equal("""{"hello":"world"}""", received.Body);

        // Passed through means untokenized: one that carries a card number is refused instead.
        using HttpResponseMessage carrying = await client.PostAsync($"/inbound/{passing}/status/201", new StringContent(CardJson(), Encoding.UTF8, "application/json"));
        await GuardianAssert.ErrorAsync(carrying, HttpStatusCode.UnprocessableEntity, "VALIDATION_ERROR");
        Assert.Single(upstream.Requests);
    }

    [Fact]
    public async Task UnknownPrefix_Is404()
    {
        using HttpClient client = app.CreateClient();

        using HttpResponseMessage response = await client.PostAsync($"/inbound/{NewPrefix()}/echo", new StringContent(CardJson(), Encoding.UTF8, "application/json"));

        await GuardianAssert.ErrorAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task RateLimit_PerRoute_Is429WithRetryAfter()
    {
        await using ProcessorServer upstream = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantTrustingAsync(app, upstream);
        string prefix = NewPrefix();
        Dictionary<string, object?> route = JsonRoute(upstream, prefix);
        route["rate_limit_per_minute"] = 2;
        await CreateRouteAsync(app, tenant.Id, route);
        using HttpClient client = app.CreateClient();

        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 3; i++)
        {
            using HttpResponseMessage response = await client.PostAsync($"/inbound/{prefix}/echo", new StringContent(CardJson(), Encoding.UTF8, "application/json"));
            statuses.Add(response.StatusCode);
            if (i == 2)
            {
                Assert.True(response.Headers.RetryAfter is not null);
            }
        }

        Assert.Equal(new[] { HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests }, statuses);
        Assert.Equal(2, upstream.Requests.Count);
    }

    [Fact]
    public async Task Timeout_PerRoute_Is504()
    {
        await using ProcessorServer upstream = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantTrustingAsync(app, upstream);
        string prefix = NewPrefix();
        Dictionary<string, object?> route = JsonRoute(upstream, prefix, "/slow");
        route["timeout_seconds"] = 1;
        await CreateRouteAsync(app, tenant.Id, route);
        using HttpClient client = app.CreateClient();

        using HttpResponseMessage response = await client.PostAsync($"/inbound/{prefix}/slow?ms=5000", new StringContent(CardJson(), Encoding.UTF8, "application/json"));

        await GuardianAssert.ErrorAsync(response, HttpStatusCode.GatewayTimeout, "GATEWAY_TIMEOUT");
    }

    [Fact]
    public async Task ProxiedRequests_AreAudited_WithoutCardData()
    {
        await using ProcessorServer upstream = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantTrustingAsync(app, upstream);
        string prefix = NewPrefix();
        JsonElement route = await CreateRouteAsync(app, tenant.Id, JsonRoute(upstream, prefix));
        using HttpClient client = app.CreateClient();
        using HttpResponseMessage response = await client.PostAsync($"/inbound/{prefix}/echo", new StringContent(CardJson(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        using HttpClient admin = app.AdminClient();
        string proxied = await admin.GetStringAsync($"/api/audit?tenant_id={tenant.Id}&action=inbound_route.proxied");
        string created = await admin.GetStringAsync($"/api/audit?tenant_id={tenant.Id}&action=inbound_route.created");

        JsonElement entry = Assert.Single(JsonDocument.Parse(proxied).RootElement.GetProperty("data").EnumerateArray());
        Assert.Equal(route.GetProperty("id").GetString(), entry.GetProperty("target").GetString());
        Assert.Contains("\"200\"", entry.GetRawText(), StringComparison.Ordinal);
        Assert.Single(JsonDocument.Parse(created).RootElement.GetProperty("data").EnumerateArray());
        AssertNoCardNumber(proxied + created);
        Assert.DoesNotContain(TestCards.Visa, app.Logs.AllText, StringComparison.Ordinal);
    }
}
