using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Strongroom.Core.Cards;
using Strongroom.Server.Tests.Forwarding;

namespace Strongroom.Server.Tests.InboundProxy;

/// <summary>Shared steps of the inbound proxy tests: a tenant whose allowlist trusts a local HTTPS upstream, and its routes.</summary>
internal static class InboundProxyHarness
{
    public static readonly string[] Scopes = ["tokens:create", "tokens:read", "tokens:delete", "data:out"];

    public static int Year => DateTime.UtcNow.Year + 3;

    public static string YearText => Year.ToString(CultureInfo.InvariantCulture);

    public static string RoutesPath(Guid tenantId) => $"/api/admin/tenants/{tenantId}/inbound-routes";

    public static string NewPrefix() => "r" + Guid.NewGuid().ToString("N")[..12];

    public static async Task<TestTenant> TenantTrustingAsync(StrongroomApplication app, ProcessorServer upstream)
    {
        TestTenant tenant = await app.CreateTenantAsync("Inbound", Scopes);
        using HttpClient admin = app.AdminClient();
        using HttpResponseMessage response = await admin.PutAsJsonAsync($"/api/admin/tenants/{tenant.Id}/forward-destinations",
            new { destinations = new[] { new { url = upstream.BaseUrl, allow_private_network = true, ca_certificate_pem = upstream.CertificatePem } } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return tenant;
    }

    /// <summary>A JSON route with the card under <c>$.card</c>; the caller may override or add options in the dictionary.</summary>
    public static Dictionary<string, object?> JsonRoute(ProcessorServer upstream, string prefix, string pathPattern = "/echo") => new(StringComparer.Ordinal)
    {
        ["prefix"] = prefix,
        ["upstream_url"] = upstream.BaseUrl,
        ["method"] = "POST",
        ["path_pattern"] = pathPattern,
        ["content_type"] = "json",
        ["fields"] = new
        {
            account_number = "$.card.number",
            expiry_month = "$.card.exp_month",
            expiry_year = "$.card.exp_year",
            security_code = "$.card.cvc",
            cardholder_name = "$.card.name",
        },
    };

    public static Dictionary<string, object?> FormRoute(ProcessorServer upstream, string prefix, string pathPattern = "/echo") => new(StringComparer.Ordinal)
    {
        ["prefix"] = prefix,
        ["upstream_url"] = upstream.BaseUrl,
        ["method"] = "POST",
        ["path_pattern"] = pathPattern,
        ["content_type"] = "form",
        ["fields"] = new { account_number = "card_number", expiry_month = "exp_month", expiry_year = "exp_year", security_code = "cvc", cardholder_name = "name" },
    };

    public static async Task<JsonElement> CreateRouteAsync(StrongroomApplication app, Guid tenantId, Dictionary<string, object?> route)
    {
        using HttpClient admin = app.AdminClient();
        using HttpResponseMessage response = await admin.PostAsJsonAsync(RoutesPath(tenantId), route);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static string CardJson(string pan = TestCards.Visa, string cvc = "123", string extra = "") =>
        $$$"""{"order":"A-17","amount":1999{{{extra}}},"card":{"number":"{{{pan}}}","exp_month":"12","exp_year":{{{YearText}}},"cvc":"{{{cvc}}}","name":"Jane Roe"}}""";

    /// <summary>Fails when <paramref name="text"/> holds the card number in any separator form, or any other card number.</summary>
    public static void AssertNoCardNumber(string text, string pan = TestCards.Visa)
    {
        Assert.DoesNotContain(pan, text, StringComparison.Ordinal);
        Assert.False(PanDetector.ContainsPan(text), "a card number reached the upstream: " + PanDetector.Redact(text, out _));
    }

    /// <summary>Everything the upstream received in one request: path and query, every header, the body.</summary>
    public static string Everything(RecordedRequest request) =>
        request.PathAndQuery + "\n" + string.Join('\n', request.Headers.Select(h => h.Key + ": " + h.Value)) + "\n" + request.Body;
}
