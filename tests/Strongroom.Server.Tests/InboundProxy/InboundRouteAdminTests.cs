using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Strongroom.Server.Tests.Forwarding;
using static Strongroom.Server.Tests.InboundProxy.InboundProxyHarness;

namespace Strongroom.Server.Tests.InboundProxy;

/// <summary>The admin API of inbound routes: create, list, read, delete, validation (the upstream allowlist above all), audit.</summary>
public sealed class InboundRouteAdminTests(StrongroomApplication app) : IClassFixture<StrongroomApplication>
{
    [Fact]
    public async Task Create_List_Get_Delete_AndTheProxyFollows()
    {
        await using ProcessorServer upstream = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantTrustingAsync(app, upstream);
        string prefix = NewPrefix();
        using HttpClient admin = app.AdminClient();
        using HttpClient client = app.CreateClient();

        JsonElement created = await CreateRouteAsync(app, tenant.Id, JsonRoute(upstream, prefix));
        string id = created.GetProperty("id").GetString()!;
        Assert.Equal($"/inbound/{prefix}", created.GetProperty("proxy_path").GetString());
        Assert.Equal("token_id", created.GetProperty("replacement").GetString());
        Assert.Equal("refuse", created.GetProperty("unmatched").GetString());
        Assert.Equal(65536, created.GetProperty("max_body_bytes").GetInt32());
        Assert.Equal("$.card.number", created.GetProperty("fields").GetProperty("account_number").GetString());

        JsonElement list = JsonDocument.Parse(await admin.GetStringAsync(RoutesPath(tenant.Id))).RootElement;
        Assert.Equal(id, Assert.Single(list.GetProperty("data").EnumerateArray()).GetProperty("id").GetString());
        using HttpResponseMessage one = await admin.GetAsync($"{RoutesPath(tenant.Id)}/{id}");
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);

        using HttpResponseMessage before = await client.PostAsync($"/inbound/{prefix}/echo", new StringContent(CardJson(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        using HttpResponseMessage deleted = await admin.DeleteAsync($"{RoutesPath(tenant.Id)}/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using HttpResponseMessage after = await client.PostAsync($"/inbound/{prefix}/echo", new StringContent(CardJson(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
        using HttpResponseMessage again = await admin.DeleteAsync($"{RoutesPath(tenant.Id)}/{id}");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);

        string audit = await admin.GetStringAsync($"/api/audit?tenant_id={tenant.Id}&action=inbound_route.deleted");
        Assert.Single(JsonDocument.Parse(audit).RootElement.GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task Create_TakenPrefix_Is409_EvenForAnotherTenant()
    {
        await using ProcessorServer upstream = await ProcessorServer.StartAsync();
        TestTenant first = await TenantTrustingAsync(app, upstream);
        TestTenant second = await TenantTrustingAsync(app, upstream);
        string prefix = NewPrefix();
        await CreateRouteAsync(app, first.Id, JsonRoute(upstream, prefix));
        using HttpClient admin = app.AdminClient();

        using HttpResponseMessage response = await admin.PostAsJsonAsync(RoutesPath(second.Id), JsonRoute(upstream, prefix));

        await GuardianAssert.ErrorAsync(response, HttpStatusCode.Conflict, "CONFLICT");
    }

    [Fact]
    public async Task Create_UpstreamNotOnTheAllowlist_Is422()
    {
        await using ProcessorServer upstream = await ProcessorServer.StartAsync();
        TestTenant tenant = await app.CreateTenantAsync("No allowlist", Scopes);
        using HttpClient admin = app.AdminClient();

        using HttpResponseMessage response = await admin.PostAsJsonAsync(RoutesPath(tenant.Id), JsonRoute(upstream, NewPrefix()));

        JsonElement error = await GuardianAssert.ErrorAsync(response, HttpStatusCode.UnprocessableEntity, "VALIDATION_ERROR");
        Assert.Contains("$.upstream_url", error.GetRawText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("prefix", "Not_Lower", "$.prefix")]
    [InlineData("upstream_url", "ftp://example.com", "$.upstream_url")]
    [InlineData("upstream_url", "https://example.com/?q=1", "$.upstream_url")]
    [InlineData("method", "GET", "$.method")]
    [InlineData("path_pattern", "/a/**/b", "$.path_pattern")]
    [InlineData("path_pattern", "no-slash", "$.path_pattern")]
    [InlineData("content_type", "xml", "$.content_type")]
    [InlineData("replacement", "vgs", "$.replacement")]
    [InlineData("unmatched", "maybe", "$.unmatched")]
    [InlineData("error_shape", "soap", "$.error_shape")]
    public async Task Create_BadOption_Is422_AtItsPath(string option, string value, string path)
    {
        await using ProcessorServer upstream = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantTrustingAsync(app, upstream);
        Dictionary<string, object?> route = JsonRoute(upstream, NewPrefix());
        route[option] = value;
        using HttpClient admin = app.AdminClient();

        using HttpResponseMessage response = await admin.PostAsJsonAsync(RoutesPath(tenant.Id), route);

        JsonElement error = await GuardianAssert.ErrorAsync(response, HttpStatusCode.UnprocessableEntity, "VALIDATION_ERROR");
        Assert.Contains(path, error.GetRawText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("json", "card.number", "$.fields.account_number")]
    [InlineData("json", "$.card[x]", "$.fields.account_number")]
    [InlineData("form", "a&b", "$.fields.account_number")]
    public async Task Create_BadFieldPath_Is422(string contentType, string accountNumberField, string path)
    {
        await using ProcessorServer upstream = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantTrustingAsync(app, upstream);
        Dictionary<string, object?> route = JsonRoute(upstream, NewPrefix());
        route["content_type"] = contentType;
        route["fields"] = new { account_number = accountNumberField, expiry_month = "m", expiry_year = contentType == "json" ? "$.y" : "y" };
        using HttpClient admin = app.AdminClient();

        using HttpResponseMessage response = await admin.PostAsJsonAsync(RoutesPath(tenant.Id), route);

        JsonElement error = await GuardianAssert.ErrorAsync(response, HttpStatusCode.UnprocessableEntity, "VALIDATION_ERROR");
        Assert.Contains(path, error.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Routes_NeedTheAdmin()
    {
        TestTenant tenant = await app.CreateTenantAsync("Not admin", Scopes);

        using HttpResponseMessage response = await tenant.Client.GetAsync(RoutesPath(tenant.Id));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}
