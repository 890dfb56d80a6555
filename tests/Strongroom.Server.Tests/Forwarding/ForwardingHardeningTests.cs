using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Strongroom.Core.Forwarding;

namespace Strongroom.Server.Tests.Forwarding;

/// <summary>
/// Hostile input on forwarding (issue 16): the caller's own header cannot name a header the vault or the connection owns
/// (Host, framing, hop-by-hop) or carry an invalid name or value, on every forward route; echoed card data is masked in
/// every separator form, compressed or not, in bodies and headers; and IPv6 forms that carry a private IPv4 address are
/// refused, both when a destination is allowlisted and at connect.
/// </summary>
public sealed class ForwardingHardeningTests(StrongroomApplication app) : IClassFixture<StrongroomApplication>
{
    private const string PciTokens = "/api/pci/tokens";
    private const string NetworkTokens = "/api/network/tokens";
    private const string TapTokens = "/v2/tokens";
    private const string Template = """{"n":{{ account_number }}}""";

    private static readonly string[] DataOutScopes = ["tokens:create", "tokens:read", "tokens:delete", "data:out"];

    private static int Year => DateTime.UtcNow.Year + 3;

    // ---------------------------------------------------------------- egress

    [Theory]
    [InlineData("https://[::127.0.0.1]:8443")]
    [InlineData("https://[64:ff9b::7f00:1]")]
    [InlineData("https://[64:ff9b:1:a00:1::]")]
    [InlineData("https://[::ffff:169.254.169.254]")]
    [InlineData("https://[2002:c0a8:101::1]")]
    [InlineData("https://[2001:0:4136:e378:8000:63bf:80ff:fffe]")]
    [InlineData("https://[fe80::1]")]
    [InlineData("https://10.1.2.3")]
    [InlineData("https://0x7f.1")]
    public async Task SetDestinations_ForbiddenIpLiteral_Is422NamingTheUrl_UnlessPrivateNetworkIsAllowed(string url)
    {
        TestTenant tenant = await app.CreateTenantAsync("Forwarder", DataOutScopes);
        using HttpClient admin = app.AdminClient();

        using HttpResponseMessage refused = await admin.PutAsJsonAsync(DestinationsPath(tenant.Id), new { destinations = new[] { new { url } } });
        JsonElement error = await GuardianAssert.ValidationAsync(refused, "$.destinations[0].url");
        Assert.Contains("allow_private_network", error.GetRawText(), StringComparison.Ordinal);

        using HttpResponseMessage allowed = await admin.PutAsJsonAsync(DestinationsPath(tenant.Id), new { destinations = new[] { new { url, allow_private_network = true } } });
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Theory]
    [InlineData("::127.0.0.1")]
    [InlineData("64:ff9b::7f00:1")]
    [InlineData("::ffff:127.0.0.1")]
    public async Task Forward_ToAStoredDestinationOnAnIPv6FormOfLoopback_Is403_AndNothingIsSent(string address)
    {
        // Allowlist entries stored before the allowlist refused such literals are still judged at connect.
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await app.CreateTenantAsync("Forwarder", DataOutScopes);
        string url = $"https://[{address}]:{processor.Port.ToString(CultureInfo.InvariantCulture)}";
        var uri = new Uri(url);
        var destination = new ForwardDestination(Guid.CreateVersion7(), tenant.Id, "https", uri.IdnHost.ToLowerInvariant(), uri.Port, false, processor.CertificatePem, null, DateTimeOffset.UtcNow);
        await app.Services.GetRequiredService<ForwardingService>().ReplaceDestinationsAsync(tenant.Id, [(destination, null)], CancellationToken.None);
        Guid id = await PciTokenAsync(tenant);

        using HttpResponseMessage response = await ForwardAsync(tenant.Client, PciForward(id), url + "/echo", Template);

        JsonElement error = await GuardianAssert.ErrorAsync(response, HttpStatusCode.Forbidden, "FORBIDDEN");
        Assert.Contains("private, loopback or link-local", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(processor.Requests);
    }

    // ---------------------------------------------------------------- helpers

    private static string PciForward(Guid id) => $"{PciTokens}/{id}/forward";

    private static string NetworkForward(Guid id) => $"{NetworkTokens}/{id}/forward";

    private static string TapForward(string id) => $"{TapTokens}/{id}/forward";

    private static string DestinationsPath(Guid tenantId) => $"/api/admin/tenants/{tenantId}/forward-destinations";

    private async Task<TestTenant> TenantWithProcessorAsync(ProcessorServer processor)
    {
        TestTenant tenant = await app.CreateTenantAsync("Forwarder", DataOutScopes);
        using HttpClient admin = app.AdminClient();
        using HttpResponseMessage response = await admin.PutAsJsonAsync(DestinationsPath(tenant.Id),
            new { destinations = new[] { new { url = processor.BaseUrl, allow_private_network = true, ca_certificate_pem = processor.CertificatePem } } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return tenant;
    }

    private HttpClient TapClient(string apiKey)
    {
        HttpClient client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return client;
    }

    private static async Task<HttpResponseMessage> ForwardAsync(HttpClient client, string path, string destination, string body, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("x-destination-url", destination);
        foreach ((string name, string value) in headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content.Headers.Remove(name);
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return await client.SendAsync(request);
    }

    private static async Task<Guid> PciTokenAsync(TestTenant tenant, string pan = TestCards.Visa, string? securityCode = "123")
    {
        using HttpResponseMessage response = await tenant.Client.PostAsJsonAsync(PciTokens, new { source = TestCards.PanSource(pan, 12, Year, securityCode, "John Doe") });
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
    }

    private static async Task<Guid> NetworkTokenAsync(TestTenant tenant)
    {
        using HttpResponseMessage response = await tenant.Client.PostAsJsonAsync(NetworkTokens, new { source = TestCards.PanSource(TestCards.Visa, 12, Year, "123") });
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
    }

    private static async Task<string> ReferenceAsync(TestTenant tenant, Guid networkTokenId)
    {
        using HttpResponseMessage response = await tenant.Client.PostAsJsonAsync($"{NetworkTokens}/{networkTokenId}/cryptograms", new { mode = "reference" });
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("cryptogram_reference").GetString()!;
    }

    private async Task<string> TapTokenAsync(string apiKey, string cvc = "123")
    {
        using HttpClient client = TapClient(apiKey);
        string body = JsonSerializer.Serialize(new { card = new { number = TestCards.Visa, exp_month = 12, exp_year = Year, cvc, name = "Tap User" } });
        using HttpResponseMessage response = await client.PostAsync(TapTokens, new StringContent(body, Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
    }
}
