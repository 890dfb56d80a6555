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

    // ---------------------------------------------------------------- headers

    [Theory]
    [InlineData("content-length")]
    [InlineData("x:y")]
    [InlineData("bad name")]
    [InlineData("host")]
    [InlineData("Host")]
    [InlineData("transfer-encoding")]
    [InlineData("connection")]
    [InlineData("te")]
    [InlineData("trailer")]
    [InlineData("upgrade")]
    [InlineData("keep-alive")]
    [InlineData("proxy-authorization")]
    [InlineData("proxy-anything")]
    [InlineData("x-forwarded-host")]
    [InlineData("forwarded")]
    [InlineData("accept-encoding")]
    [InlineData("content-encoding")]
    [InlineData("expect")]
    [InlineData("x-destination-url")]
    [InlineData("x-own-header-value")]
    [InlineData("x-admin-token")]
    [InlineData("(x)")]
    [InlineData("x\u00e9")]
    public async Task PciForward_OwnHeaderNameTheCallerMayNotSet_Is422NamingIt_AndNothingIsSent(string name)
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithProcessorAsync(processor);
        Guid id = await PciTokenAsync(tenant);

        using HttpResponseMessage response = await ForwardAsync(tenant.Client, PciForward(id), processor.Url("/echo"), Template,
            ("x-own-header-name", name), ("x-own-header-value", "evil.example"));

        JsonElement error = await GuardianAssert.ValidationAsync(response, "$.headers['x-own-header-name']");
        string message = error.GetProperty("validation_errors")[0].GetProperty("message").GetString()!;
        string printable = new([.. name.Trim().Select(c => c is >= ' ' and <= '~' ? c : '?')]);
        Assert.Contains($"'{printable}'", message, StringComparison.Ordinal);
        Assert.Empty(processor.Requests);
    }

    [Theory]
    [InlineData("a\u0001b")]
    [InlineData("nul\u0000inside")]
    [InlineData("caf\u00e9")]
    [InlineData("del\u007f")]
    public async Task PciForward_OwnHeaderValueWithControlOrNonAsciiCharacters_Is422_AndNothingIsSent(string value)
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithProcessorAsync(processor);
        Guid id = await PciTokenAsync(tenant);

        using HttpResponseMessage response = await ForwardAsync(tenant.Client, PciForward(id), processor.Url("/echo"), Template,
            ("x-own-header-name", "x-api-key"), ("x-own-header-value", value));

        JsonElement error = await GuardianAssert.ValidationAsync(response, "$.headers['x-own-header-value']");
        Assert.Contains("'x-api-key'", error.GetProperty("validation_errors")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(value, error.GetRawText(), StringComparison.Ordinal);
        Assert.Empty(processor.Requests);
    }

    [Fact]
    public async Task PciForward_OwnHeaderHalfGiven_Is422_AndAnOverlongValueToo()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithProcessorAsync(processor);
        Guid id = await PciTokenAsync(tenant);

        using (HttpResponseMessage nameOnly = await ForwardAsync(tenant.Client, PciForward(id), processor.Url("/echo"), Template, ("x-own-header-name", "x-api-key")))
        {
            await GuardianAssert.ValidationAsync(nameOnly, "$.headers['x-own-header-value']");
        }

        using (HttpResponseMessage valueOnly = await ForwardAsync(tenant.Client, PciForward(id), processor.Url("/echo"), Template, ("x-own-header-value", "k")))
        {
            await GuardianAssert.ValidationAsync(valueOnly, "$.headers['x-own-header-name']");
        }

        using (HttpResponseMessage overlong = await ForwardAsync(tenant.Client, PciForward(id), processor.Url("/echo"), Template,
            ("x-own-header-name", "x-api-key"), ("x-own-header-value", new string('k', 9000))))
        {
            await GuardianAssert.ValidationAsync(overlong, "$.headers['x-own-header-value']");
        }

        Assert.Empty(processor.Requests);
    }

    [Fact]
    public async Task TapAndNetworkForwards_RefuseTheSameHeaders_InTheirOwnShape_WithoutUsingAnythingUp()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithProcessorAsync(processor);
        string tapToken = await TapTokenAsync(tenant.ApiKey);
        Guid networkToken = await NetworkTokenAsync(tenant);
        string reference = await ReferenceAsync(tenant, networkToken);
        using HttpClient tap = TapClient(tenant.ApiKey);

        using (HttpResponseMessage refused = await ForwardAsync(tap, TapForward(tapToken), processor.Url("/echo"), Template, ("x-own-header-name", "host"), ("x-own-header-value", "evil.example")))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
            JsonElement body = await refused.Content.ReadFromJsonAsync();
            Assert.Contains("'host'", body.GetProperty("errors")[0].GetProperty("description").GetString(), StringComparison.Ordinal);
            Assert.False(body.TryGetProperty("classifier", out _));
        }

        using (HttpResponseMessage refused = await ForwardAsync(tenant.Client, NetworkForward(networkToken), processor.Url("/echo"), """{"n":{{ number }}}""",
            ("x-cryptogram-reference", reference), ("x-own-header-name", "transfer-encoding"), ("x-own-header-value", "chunked")))
        {
            await GuardianAssert.ValidationAsync(refused, "$.headers['x-own-header-name']");
        }

        Assert.Empty(processor.Requests);

        // Neither the single-use token nor the cryptogram reference was used up by the refused forwards.
        using (HttpResponseMessage single = await ForwardAsync(tap, TapForward(tapToken), processor.Url("/echo"), Template))
        using (HttpResponseMessage network = await ForwardAsync(tenant.Client, NetworkForward(networkToken), processor.Url("/echo"), """{"n":{{ number }}}""", ("x-cryptogram-reference", reference)))
        {
            Assert.Equal(HttpStatusCode.OK, single.StatusCode);
            Assert.Equal(HttpStatusCode.OK, network.StatusCode);
        }
    }

    [Fact]
    public async Task Forward_CallersHopByHopProxyAndForwardedHeaders_AreDropped_AndHostIsTheDestinations()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithProcessorAsync(processor);
        Guid id = await PciTokenAsync(tenant);

        using HttpResponseMessage response = await ForwardAsync(tenant.Client, PciForward(id), processor.Url("/headers"), Template,
            ("x-forwarded-host", "evil.example"),
            ("forwarded", "host=evil.example"),
            ("proxy-authorization", "Basic eDp5"),
            ("x-custom-hop", "1"),
            ("connection", "x-custom-hop"),
            ("x-txc-apikey", "the-vaults-whitebit-key"),
            ("x-merchant-ref", "kept"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        RecordedRequest received = Assert.Single(processor.Requests);
        Assert.Equal("kept", received.Header("x-merchant-ref"));
        Assert.Equal($"127.0.0.1:{processor.Port.ToString(CultureInfo.InvariantCulture)}", received.Header("host"));
        foreach (string dropped in new[] { "x-forwarded-host", "forwarded", "proxy-authorization", "x-custom-hop", "x-txc-apikey" })
        {
            Assert.Null(received.Header(dropped));
        }
    }

    // ---------------------------------------------------------------- masking

    [Theory]
    [InlineData(" ", "4111 11** **** 1111")]
    [InlineData("-", "4111-11**-****-1111")]
    [InlineData(".", "4111.11**.****.1111")]
    [InlineData(" - ", "4111 - 11** - **** - 1111")]
    [InlineData("/", "4111/11**/****/1111")]
    public async Task PciForward_EchoedPanWithSeparators_IsMaskedInBodyAndHeaders(string separator, string masked)
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithProcessorAsync(processor);
        Guid id = await PciTokenAsync(tenant);

        using HttpResponseMessage response = await ForwardAsync(tenant.Client, PciForward(id), processor.Url("/encoded?group=" + Uri.EscapeDataString(separator)), Template);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string body = await response.Content.ReadAsStringAsync();
        string header = Assert.Single(response.Headers.GetValues("x-echo"));
        Assert.Equal($$"""{"n":"{{masked}}"}""", body);
        Assert.Equal(body, header);
        Assert.DoesNotContain(TestCards.Visa, Digits(body), StringComparison.Ordinal);
        Assert.Contains(TestCards.Visa, Assert.Single(processor.Requests).Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    [InlineData("br")]
    [InlineData("gzip, br")]
    public async Task PciForward_CompressedEcho_IsDecompressedAndMasked_AndSentUncompressed(string encoding)
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithProcessorAsync(processor);
        Guid id = await PciTokenAsync(tenant, securityCode: "737");

        using HttpResponseMessage response = await ForwardAsync(tenant.Client, PciForward(id),
            processor.Url("/encoded?group=-&encoding=" + Uri.EscapeDataString(encoding.Replace(" ", "", StringComparison.Ordinal))),
            """{"n":{{ account_number }},"c":{{ security_code }}}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(response.Content.Headers.ContentEncoding);
        byte[] bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(bytes.Length, response.Content.Headers.ContentLength);
        Assert.Equal("""{"n":"4111-11**-****-1111","c":"***"}""", Encoding.UTF8.GetString(bytes));
        Assert.Contains(ForwardResponseDecoderAcceptEncoding, Assert.Single(processor.Requests).Header("accept-encoding"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("zstd")]
    [InlineData("compress")]
    public async Task PciForward_EncodingTheVaultCannotUndo_Is502_AndTheBodyIsNotPassedOn(string encoding)
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithProcessorAsync(processor);
        Guid id = await PciTokenAsync(tenant);

        using HttpResponseMessage response = await ForwardAsync(tenant.Client, PciForward(id), processor.Url("/encoded?encoding=" + encoding), Template);

        JsonElement error = await GuardianAssert.ErrorAsync(response, HttpStatusCode.BadGateway, "BAD_GATEWAY");
        Assert.DoesNotContain("4111", error.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PciForward_EchoedSecurityCode_IsMaskedWhereItStandsAlone_NotInsideLongerNumbers()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithProcessorAsync(processor);
        Guid id = await PciTokenAsync(tenant, securityCode: "737");

        using HttpResponseMessage response = await ForwardAsync(tenant.Client, PciForward(id), processor.Url("/encoded"),
            """{"c":{{ security_code }},"text":"cvc {{ security_code | unwrap }}.","order":"17370","n":{{ account_number }}}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        const string Expected = """{"c":"***","text":"cvc ***.","order":"17370","n":"411111******1111"}""";
        Assert.Equal(Expected, await response.Content.ReadAsStringAsync());
        Assert.Equal(Expected, Assert.Single(response.Headers.GetValues("x-echo")));
    }

    [Fact]
    public async Task PciForward_SecurityCodeNotSent_IsNotMasked()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithProcessorAsync(processor);
        Guid id = await PciTokenAsync(tenant, securityCode: "737");

        using HttpResponseMessage response = await ForwardAsync(tenant.Client, PciForward(id), processor.Url("/echo"), """{"amount":737,"n":{{ account_number }}}""");

        Assert.Equal("""{"amount":737,"n":"411111******1111"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TapAndNetworkForwards_MaskEchoedSecurityCodes_AndSeparatedNumbers()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithProcessorAsync(processor);
        string tapToken = await TapTokenAsync(tenant.ApiKey, cvc: "468");
        Guid networkToken = await NetworkTokenAsync(tenant);
        string reference = await ReferenceAsync(tenant, networkToken);
        using HttpClient tap = TapClient(tenant.ApiKey);

        using (HttpResponseMessage single = await ForwardAsync(tap, TapForward(tapToken), processor.Url("/encoded?group=%20&encoding=gzip"),
            """{"n":{{ account_number }},"c":{{ security_code }}}"""))
        {
            Assert.Equal("""{"n":"4111 11** **** 1111","c":"***"}""", await single.Content.ReadAsStringAsync());
        }

        using HttpResponseMessage network = await ForwardAsync(tenant.Client, NetworkForward(networkToken), processor.Url("/encoded?group=-"),
            """{"n":{{ number }},"d":{{ dynamic_cvv }}}""", ("x-cryptogram-reference", reference));
        string text = await network.Content.ReadAsStringAsync();
        JsonElement sent = JsonDocument.Parse(processor.RequestsTo("/encoded")[1].Body).RootElement;
        string tokenNumber = sent.GetProperty("n").GetString()!;
        string dynamicCvv = sent.GetProperty("d").GetString()!;
        Assert.DoesNotContain(tokenNumber, Digits(text), StringComparison.Ordinal);
        Assert.DoesNotContain($"\"{dynamicCvv}\"", text, StringComparison.Ordinal);
        Assert.Contains($"\"d\":\"{new string('*', dynamicCvv.Length)}\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain(tokenNumber, Digits(Assert.Single(network.Headers.GetValues("x-echo"))), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PciForward_OtherCardNumbersInTheResponse_AreRedacted_AndBodyDigestsAreWithheld()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithProcessorAsync(processor);
        Guid id = await PciTokenAsync(tenant);

        using HttpResponseMessage response = await ForwardAsync(tenant.Client, PciForward(id), processor.Url("/encoded"),
            """{"n":{{ account_number }},"funding":""" + $"\"{TestCards.Mastercard}\"}}");

        string text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(TestCards.Mastercard, text, StringComparison.Ordinal);
        Assert.DoesNotContain(TestCards.Mastercard, Assert.Single(response.Headers.GetValues("x-echo")), StringComparison.Ordinal);
        Assert.Null(response.Headers.ETag);
        Assert.False(response.Headers.Contains("content-digest") || response.Content.Headers.Contains("content-digest"));
    }

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
        await app.Services.GetRequiredService<ForwardingService>().ReplaceDestinationsAsync(tenant.Id, [(destination, null)], Strongroom.Core.Audit.Actor.Admin, CancellationToken.None);
        Guid id = await PciTokenAsync(tenant);

        using HttpResponseMessage response = await ForwardAsync(tenant.Client, PciForward(id), url + "/echo", Template);

        JsonElement error = await GuardianAssert.ErrorAsync(response, HttpStatusCode.Forbidden, "FORBIDDEN");
        Assert.Contains("private, loopback or link-local", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(processor.Requests);
    }

    // ---------------------------------------------------------------- helpers

    private const string ForwardResponseDecoderAcceptEncoding = "gzip, deflate, br";

    private static string Digits(string text) => new([.. text.Where(char.IsAsciiDigit)]);

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
