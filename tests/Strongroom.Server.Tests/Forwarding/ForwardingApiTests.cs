using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Strongroom.Server.Tests.Forwarding;

/// <summary>
/// Forwarding end to end against a real local HTTPS processor (<see cref="ProcessorServer"/>): what the processor
/// actually received (every placeholder, <c>| unwrap</c>, headers passed on, stripped and overridden), what the
/// caller gets back (status, headers, body, echoed card numbers masked), the allowlist and SSRF refusals, TLS trust
/// and mTLS, redirects, timeouts and size limits, the cryptogram reference's life, Tap's single-use tokens, tenant
/// isolation and rights, the audit entries and the absence of card data from logs.
/// </summary>
public sealed class ForwardingApiTests(StrongroomApplication app) : IClassFixture<StrongroomApplication>
{
    private const string PciTokens = "/api/pci/tokens";
    private const string NetworkTokens = "/api/network/tokens";
    private const string TapTokens = "/v2/tokens";
    private const string MaskedVisa = "411111******1111";

    private const string AllCardPlaceholders =
        """{"account_number":{{ account_number }},"cardholder_name":{{cardholder_name}},"expiry_month":{{ expiry_month }},"expiry_year":{{ expiry_year }},"security_code":{{  security_code  }}}""";

    private static readonly string[] DataOutScopes = ["tokens:create", "tokens:read", "tokens:delete", "data:out"];

    private static int Year => DateTime.UtcNow.Year + 3;

    private static string YearText => Year.ToString(CultureInfo.InvariantCulture);

    // ---------------------------------------------------------------- placeholders

    [Fact]
    public async Task PciForward_FillsEveryCardPlaceholder_AsJsonStrings()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithDestinationsAsync(Trusted(processor));
        Guid id = await PciTokenAsync(tenant, month: 3, securityCode: "737", name: "Jane Roe");

        using HttpResponseMessage response = await ForwardAsync(tenant.Client, PciForward(id), processor.Url("/echo"), AllCardPlaceholders);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        RecordedRequest received = Assert.Single(processor.Requests);
        Assert.Equal("POST", received.Method);
        Assert.Equal("/echo", received.PathAndQuery);
        Assert.Equal(
            $$"""{"account_number":"4111111111111111","cardholder_name":"Jane Roe","expiry_month":"03","expiry_year":"{{YearText}}","security_code":"737"}""",
            received.Body);
    }

    [Fact]
    public async Task PciForward_Unwrap_EmitsNativeValues_InJsonAndInAnyText()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithDestinationsAsync(Trusted(processor));
        Guid id = await PciTokenAsync(tenant, month: 12, securityCode: "123");

        using HttpResponseMessage json = await ForwardAsync(tenant.Client, PciForward(id), processor.Url("/echo"),
            """{"quoted":{{ expiry_month }},"month":{{ expiry_month | unwrap }},"year":{{expiry_year|unwrap}},"pan":{{ account_number | unwrap }}}""");
        using HttpResponseMessage form = await ForwardAsync(tenant.Client, PciForward(id), processor.Url("/echo"),
            "card={{ account_number | unwrap }}&exp={{ expiry_month | unwrap }}/{{ expiry_year | unwrap }}&cvc={{ security_code | unwrap }}&name={{ cardholder_name | unwrap }}",
            ("content-type", "application/x-www-form-urlencoded"));

        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        IReadOnlyList<RecordedRequest> received = processor.RequestsTo("/echo");
        Assert.Equal(2, received.Count);
        Assert.Equal($$"""{"quoted":"12","month":12,"year":{{YearText}},"pan":4111111111111111}""", received[0].Body);
        Assert.Equal($"card=4111111111111111&exp=12/{YearText}&cvc=123&name=John Doe", received[1].Body);
        Assert.Equal("application/x-www-form-urlencoded", received[1].Header("content-type"));

        // A month below 10: the string form is zero-padded, the native one is a plain JSON number.
        Guid march = await PciTokenAsync(tenant, month: 3);
        using HttpResponseMessage padded = await ForwardAsync(tenant.Client, PciForward(march), processor.Url("/echo"),
            """[{{ expiry_month }},{{ expiry_month | unwrap }}]""");
        Assert.Equal("""["03",3]""", processor.RequestsTo("/echo")[2].Body);
        Assert.Equal(JsonValueKind.Number, JsonDocument.Parse(processor.RequestsTo("/echo")[2].Body).RootElement[1].ValueKind);
    }

    [Fact]
    public async Task PciForward_EscapesStringValues_AndLeavesTextOutsidePlaceholdersAlone()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithDestinationsAsync(Trusted(processor));
        Guid id = await PciTokenAsync(tenant, name: "Zoë O'Neil");
        const string Template = "{\"name\":{{ cardholder_name }},\"literal\":\"{ not a placeholder } {{ }} é\",\"n\":{{ account_number }}}";

        using HttpResponseMessage response = await ForwardAsync(tenant.Client, PciForward(id), processor.Url("/echo"), Template);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement received = JsonDocument.Parse(Assert.Single(processor.Requests).Body).RootElement;
        Assert.Equal("Zoë O'Neil", received.GetProperty("name").GetString());
        Assert.Equal("{ not a placeholder } {{ }} é", received.GetProperty("literal").GetString());
        Assert.Equal(TestCards.Visa, received.GetProperty("n").GetString());
    }

    // ---------------------------------------------------------------- headers

    [Fact]
    public async Task PciForward_PassesTheCallersHeadersOn_ButNeverTheVaultsOwn()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithDestinationsAsync(Trusted(processor));
        Guid id = await PciTokenAsync(tenant);

        using HttpResponseMessage response = await ForwardAsync(tenant.Client, PciForward(id), processor.Url("/headers"), """{"n":{{ account_number }}}""",
            ("x-merchant-ref", "order-42"),
            ("authorization", "Basic cHJvY2Vzc29yOnNlY3JldA=="),
            ("x-idempotency-key", "idem-1"),
            ("x-tenant-id", tenant.Id.ToString()),
            ("x-admin-token", "not-the-admin-token"),
            ("x-cryptogram-reference", "cref_whatever"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        RecordedRequest received = Assert.Single(processor.Requests);
        Assert.Equal("order-42", received.Header("x-merchant-ref"));
        Assert.Equal("Basic cHJvY2Vzc29yOnNlY3JldA==", received.Header("authorization"));
        Assert.Equal("application/json; charset=utf-8", received.Header("content-type"));
        foreach (string vaultHeader in new[] { "x-api-key", "x-destination-url", "x-idempotency-key", "x-tenant-id", "x-admin-token", "x-cryptogram-reference", "x-own-header-name", "x-own-header-value" })
        {
            Assert.Null(received.Header(vaultHeader));
        }

        Assert.All(received.Headers.Values, value => Assert.DoesNotContain(tenant.ApiKey, value, StringComparison.Ordinal));

        // The /headers endpoint answers with what it saw, and that reaches the caller: the same picture.
        JsonElement seen = await response.Content.ReadFromJsonAsync();
        Assert.Equal("order-42", seen.GetProperty("x-merchant-ref").GetString());
        Assert.False(seen.TryGetProperty("x-api-key", out _));
        Assert.False(seen.TryGetProperty("x-destination-url", out _));
    }

    [Fact]
    public async Task PciForward_OwnHeader_SendsTheProcessorsApiKey_InsteadOfTheVaults()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithDestinationsAsync(Trusted(processor));
        Guid id = await PciTokenAsync(tenant);

        using HttpResponseMessage response = await ForwardAsync(tenant.Client, PciForward(id), processor.Url("/echo"), """{"n":{{ account_number }}}""",
            ("x-own-header-name", "x-api-key"),
            ("x-own-header-value", "processor-key-1"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        RecordedRequest received = Assert.Single(processor.Requests);
        Assert.Equal("processor-key-1", received.Header("x-api-key"));
        Assert.Null(received.Header("x-own-header-name"));
        Assert.Null(received.Header("x-own-header-value"));
        Assert.All(received.Headers.Values, value => Assert.DoesNotContain(tenant.ApiKey, value, StringComparison.Ordinal));
    }

    // ---------------------------------------------------------------- the destination's answer

    [Fact]
    public async Task PciForward_ReturnsTheDestinationsStatusHeadersAndBody_WithTheEchoedPanMasked()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithDestinationsAsync(Trusted(processor));
        Guid id = await PciTokenAsync(tenant);

        using HttpResponseMessage response = await ForwardAsync(tenant.Client, PciForward(id), processor.Url("/echo"),
            """{"card":{{ account_number }},"again":"{{ account_number | unwrap }}","m":{{ expiry_month }}}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("test", Assert.Single(response.Headers.GetValues("x-processor")));
        Assert.True(Guid.TryParse(Assert.Single(response.Headers.GetValues("x-request-id")), out _));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        string text = await response.Content.ReadAsStringAsync();
        Assert.Equal($$"""{"card":"{{MaskedVisa}}","again":"{{MaskedVisa}}","m":"12"}""", text);
        Assert.Equal(text.Length, response.Content.Headers.ContentLength);
        Assert.DoesNotContain(TestCards.Visa, text, StringComparison.Ordinal);

        // What the processor got was the real number, of course.
        Assert.Contains($"\"card\":\"{TestCards.Visa}\"", Assert.Single(processor.Requests).Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(201)]
    [InlineData(402)]
    [InlineData(422)]
    [InlineData(500)]
    [InlineData(503)]
    public async Task PciForward_DestinationStatus_IsPassedThrough(int status)
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithDestinationsAsync(Trusted(processor));
        Guid id = await PciTokenAsync(tenant);

        using HttpResponseMessage response = await ForwardAsync(tenant.Client, PciForward(id), processor.Url($"/status/{status}"), """{"n":{{ account_number }}}""");

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal($"{{\"status\":{status}}}", await response.Content.ReadAsStringAsync());
        Assert.Single(processor.RequestsTo($"/status/{status}"));
    }

    [Fact]
    public async Task PciForward_NoContent_IsPassedThrough()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithDestinationsAsync(Trusted(processor));
        Guid id = await PciTokenAsync(tenant);

        using HttpResponseMessage response = await ForwardAsync(tenant.Client, PciForward(id), processor.Url("/status/204"), "{}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task PciForward_Redirect_IsReturned_NotFollowed()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithDestinationsAsync(Trusted(processor));
        Guid id = await PciTokenAsync(tenant);
        using HttpClient client = NoRedirectClient(tenant.ApiKey);

        using HttpResponseMessage response = await ForwardAsync(client, PciForward(id), processor.Url("/redirect"), """{"n":{{ account_number }}}""");

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal(new Uri(processor.Url("/echo")), response.Headers.Location);
        Assert.Single(processor.RequestsTo("/redirect"));
        Assert.Empty(processor.RequestsTo("/echo"));
    }

    // ---------------------------------------------------------------- where a forward may go

    [Fact]
    public async Task PciForward_NotAllowlisted_Is403_AndNothingIsSent()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithDestinationsAsync(Trusted(processor));
        Guid id = await PciTokenAsync(tenant);
        string otherPort = (processor.Port == 65535 ? processor.Port - 1 : processor.Port + 1).ToString(CultureInfo.InvariantCulture);

        string[] unlisted =
        [
            processor.LocalhostUrl + "/echo",                              // another host (same address, other name)
            $"https://127.0.0.1:{otherPort}/echo",                         // another port
            $"http://127.0.0.1:{processor.Port}/echo",                     // another scheme
            "https://example.com/echo",                                    // another host altogether
        ];

        foreach (string url in unlisted)
        {
            using HttpResponseMessage response = await ForwardAsync(tenant.Client, PciForward(id), url, """{"n":{{ account_number }}}""");
            await GuardianAssert.ErrorAsync(response, HttpStatusCode.Forbidden, "FORBIDDEN");
        }

        // A tenant with no allowlist at all.
        TestTenant bare = await app.CreateTenantAsync("No destinations", DataOutScopes);
        Guid bareToken = await PciTokenAsync(bare);
        using (HttpResponseMessage response = await ForwardAsync(bare.Client, PciForward(bareToken), processor.Url("/echo"), """{"n":{{ account_number }}}"""))
        {
            await GuardianAssert.ErrorAsync(response, HttpStatusCode.Forbidden, "FORBIDDEN");
        }

        Assert.Empty(processor.Requests);
    }

    [Fact]
    public async Task PciForward_BadDestinationUrl_Is400_AndNothingIsSent()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithDestinationsAsync(Trusted(processor));
        Guid id = await PciTokenAsync(tenant);

        foreach (string? url in new[] { null, "", "/echo", "echo", $"ftp://127.0.0.1:{processor.Port}/echo", $"https://user:pass@127.0.0.1:{processor.Port}/echo" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, PciForward(id)) { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
            if (url is not null)
            {
                request.Headers.TryAddWithoutValidation("x-destination-url", url);
            }

            using HttpResponseMessage response = await tenant.Client.SendAsync(request);
            await GuardianAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "BAD_REQUEST");
        }

        Assert.Empty(processor.Requests);
    }

    [Fact]
    public async Task PciForward_LoopbackWithoutAllowPrivateNetwork_Is403_AndNothingIsSent()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithDestinationsAsync(
            new { url = processor.LocalhostUrl, allow_private_network = false, ca_certificate_pem = processor.CertificatePem });
        Guid id = await PciTokenAsync(tenant);

        foreach (string url in new[] { processor.LocalhostUrl + "/echo" })
        {
            using HttpResponseMessage response = await ForwardAsync(tenant.Client, PciForward(id), url, """{"n":{{ account_number }}}""");
            JsonElement error = await GuardianAssert.ErrorAsync(response, HttpStatusCode.Forbidden, "FORBIDDEN");
            Assert.DoesNotContain(TestCards.Visa, error.GetRawText(), StringComparison.Ordinal);
        }

        Assert.Empty(processor.Requests);

        // Once allowed, the very same destination works: the refusal above was the private-network rule.
        await SetDestinationsAsync(tenant.Id, Trusted(processor));
        using HttpResponseMessage allowed = await ForwardAsync(tenant.Client, PciForward(id), processor.Url("/echo"), """{"n":{{ account_number }}}""");
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Single(processor.Requests);
    }

    // ---------------------------------------------------------------- TLS

    [Fact]
    public async Task PciForward_UntrustedCertificate_Is502_AndNoRequestArrives()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        await using ProcessorServer impostor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithDestinationsAsync(
            new { url = processor.BaseUrl, allow_private_network = true },
            new { url = processor.LocalhostUrl, allow_private_network = true, ca_certificate_pem = impostor.CertificatePem });
        Guid id = await PciTokenAsync(tenant);

        // No pinned CA: the machine's roots, which do not know the self-signed processor.
        using (HttpResponseMessage response = await ForwardAsync(tenant.Client, PciForward(id), processor.Url("/echo"), """{"n":{{ account_number }}}"""))
        {
            await GuardianAssert.ErrorAsync(response, HttpStatusCode.BadGateway, "BAD_GATEWAY");
        }

        // Pinned to another CA: the pin is a pin, not "trust anything".
        using (HttpResponseMessage response = await ForwardAsync(tenant.Client, PciForward(id), processor.LocalhostUrl + "/echo", """{"n":{{ account_number }}}"""))
        {
            await GuardianAssert.ErrorAsync(response, HttpStatusCode.BadGateway, "BAD_GATEWAY");
        }

        Assert.Empty(processor.Requests);
        Assert.Empty(impostor.Requests);
    }

    [Fact]
    public async Task PciForward_WithClientIdentity_PresentsTheCertificate()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        (string certificatePem, string keyPem) = ClientIdentity(processor);
        TestTenant tenant = await TenantWithDestinationsAsync(new
        {
            url = processor.BaseUrl,
            allow_private_network = true,
            ca_certificate_pem = processor.CertificatePem,
            client_certificate_pem = certificatePem,
            client_key_pem = keyPem,
        }, Trusted(processor, processor.LocalhostUrl));
        Guid id = await PciTokenAsync(tenant);

        using HttpResponseMessage withIdentity = await ForwardAsync(tenant.Client, PciForward(id), processor.Url("/mtls"), "{}");
        using HttpResponseMessage withoutIdentity = await ForwardAsync(tenant.Client, PciForward(id), processor.LocalhostUrl + "/mtls", "{}");

        Assert.Equal(HttpStatusCode.OK, withIdentity.StatusCode);
        Assert.True((await withIdentity.Content.ReadFromJsonAsync()).GetProperty("client_certificate").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, withoutIdentity.StatusCode);
        Assert.False((await withoutIdentity.Content.ReadFromJsonAsync()).GetProperty("client_certificate").GetBoolean());

        // The admin view says an identity is there, and never shows it.
        using HttpClient admin = app.AdminClient();
        using HttpResponseMessage list = await admin.GetAsync(DestinationsPath(tenant.Id));
        string listText = await list.Content.ReadAsStringAsync();
        Dictionary<string, bool> hasIdentity = JsonDocument.Parse(listText).RootElement.GetProperty("destinations").EnumerateArray()
            .ToDictionary(d => d.GetProperty("url").GetString()!, d => d.GetProperty("has_client_certificate").GetBoolean(), StringComparer.Ordinal);
        Assert.True(hasIdentity[processor.BaseUrl]);
        Assert.False(hasIdentity[processor.LocalhostUrl]);
        Assert.DoesNotContain("PRIVATE KEY", listText, StringComparison.Ordinal);
        Assert.DoesNotContain("BEGIN CERTIFICATE", listText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PciForward_StrictMutualTls_WorksWithTheIdentity_AndIs502WithoutIt()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync(new ProcessorServerOptions { RequireClientCertificate = true });
        (string certificatePem, string keyPem) = ClientIdentity(processor);
        TestTenant tenant = await TenantWithDestinationsAsync(
            new { url = processor.BaseUrl, allow_private_network = true, ca_certificate_pem = processor.CertificatePem, client_certificate_pem = certificatePem, client_key_pem = keyPem },
            Trusted(processor, processor.LocalhostUrl));
        Guid id = await PciTokenAsync(tenant);

        using (HttpResponseMessage without = await ForwardAsync(tenant.Client, PciForward(id), processor.LocalhostUrl + "/echo", """{"n":{{ account_number }}}"""))
        {
            await GuardianAssert.ErrorAsync(without, HttpStatusCode.BadGateway, "BAD_GATEWAY");
        }

        Assert.Empty(processor.Requests);

        using HttpResponseMessage with = await ForwardAsync(tenant.Client, PciForward(id), processor.Url("/echo"), """{"n":{{ account_number }}}""");
        Assert.Equal(HttpStatusCode.OK, with.StatusCode);
        RecordedRequest received = Assert.Single(processor.Requests);
        Assert.True(received.ClientCertificateValid);
        Assert.Equal($$"""{"n":"{{TestCards.Visa}}"}""", received.Body);
    }

    // ---------------------------------------------------------------- limits

    [Fact]
    public async Task PciForward_SlowDestination_Is504_AfterTheTimeout()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        using WebApplicationFactory<Program> vault = app.WithWebHostBuilder(b => b.UseSetting("Strongroom:Forwarding:Timeout", "00:00:01"));
        TestTenant tenant = await TenantWithDestinationsAsync(Trusted(processor));
        Guid id = await PciTokenAsync(tenant);
        using HttpClient client = ApiKeyClient(vault, tenant.ApiKey);

        var clock = Stopwatch.StartNew();
        using HttpResponseMessage response = await ForwardAsync(client, PciForward(id), processor.Url("/slow?ms=8000"), """{"n":{{ account_number }}}""");
        clock.Stop();

        // The vault gave up long before the destination would have answered (wide margin: CI machines are loaded).
        await GuardianAssert.ErrorAsync(response, HttpStatusCode.GatewayTimeout, "GATEWAY_TIMEOUT");
        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(6000), $"took {clock.Elapsed}");
        Assert.Single(processor.RequestsTo("/slow"));

        // Within the timeout, the same endpoint answers.
        using HttpResponseMessage quick = await ForwardAsync(client, PciForward(id), processor.Url("/slow?ms=10"), "{}");
        Assert.Equal(HttpStatusCode.OK, quick.StatusCode);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PciForward_ResponseOverTheLimit_Is502ResponseTooLarge_AtTheLimitIsReturned(bool chunked)
    {
        const int Limit = 64 * 1024;
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        using WebApplicationFactory<Program> vault = app.WithWebHostBuilder(b => b.UseSetting("Strongroom:Forwarding:MaxResponseBytes", Limit.ToString(CultureInfo.InvariantCulture)));
        TestTenant tenant = await TenantWithDestinationsAsync(Trusted(processor));
        Guid id = await PciTokenAsync(tenant);
        using HttpClient client = ApiKeyClient(vault, tenant.ApiKey);
        string suffix = chunked ? "&chunked=true" : "";

        using (HttpResponseMessage over = await ForwardAsync(client, PciForward(id), processor.Url($"/large?bytes={Limit + 1}{suffix}"), "{}"))
        {
            await GuardianAssert.ErrorAsync(over, HttpStatusCode.BadGateway, "RESPONSE_TOO_LARGE");
        }

        using (HttpResponseMessage far = await ForwardAsync(client, PciForward(id), processor.Url($"/large?bytes={4 * 1024 * 1024}{suffix}"), "{}"))
        {
            await GuardianAssert.ErrorAsync(far, HttpStatusCode.BadGateway, "RESPONSE_TOO_LARGE");
        }

        using HttpResponseMessage at = await ForwardAsync(client, PciForward(id), processor.Url($"/large?bytes={Limit}{suffix}"), "{}");
        Assert.Equal(HttpStatusCode.OK, at.StatusCode);
        byte[] body = await at.Content.ReadAsByteArrayAsync();
        Assert.Equal(Limit, body.Length);
        Assert.All(body, b => Assert.Equal((byte)'a', b));
    }

    [Fact]
    public async Task PciForward_NoTlsHandshake_Is504_AfterTheConnectTimeout()
    {
        // A listener that accepts the TCP connection and never says a word: only the connect timeout ends it.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        int port = ((IPEndPoint)silent.LocalEndpoint).Port;
        using WebApplicationFactory<Program> vault = app.WithWebHostBuilder(b => b
            .UseSetting("Strongroom:Forwarding:ConnectTimeout", "00:00:00.500")
            .UseSetting("Strongroom:Forwarding:Timeout", "00:00:20"));
        TestTenant tenant = await TenantWithDestinationsAsync(new { url = $"https://127.0.0.1:{port}", allow_private_network = true });
        Guid id = await PciTokenAsync(tenant);
        using HttpClient client = ApiKeyClient(vault, tenant.ApiKey);

        var clock = Stopwatch.StartNew();
        using HttpResponseMessage response = await ForwardAsync(client, PciForward(id), $"https://127.0.0.1:{port}/echo", """{"n":{{ account_number }}}""");
        clock.Stop();

        await GuardianAssert.ErrorAsync(response, HttpStatusCode.GatewayTimeout, "GATEWAY_TIMEOUT");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task PciForward_ConnectionRefused_Is502()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
        }

        TestTenant tenant = await TenantWithDestinationsAsync(new { url = $"https://127.0.0.1:{port}", allow_private_network = true });
        Guid id = await PciTokenAsync(tenant);

        using HttpResponseMessage response = await ForwardAsync(tenant.Client, PciForward(id), $"https://127.0.0.1:{port}/echo", """{"n":{{ account_number }}}""");

        JsonElement error = await GuardianAssert.ErrorAsync(response, HttpStatusCode.BadGateway, "BAD_GATEWAY");
        Assert.DoesNotContain(TestCards.Visa, error.GetRawText(), StringComparison.Ordinal);
        Assert.Equal("unreachable", Assert.Single(await AuditAsync(tenant.Id, "pci_token.forwarded")).GetProperty("details").GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task PciForward_RequestBodyOver64KbOrNotUtf8_IsRefused_AndNothingIsSent()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithDestinationsAsync(Trusted(processor));
        Guid id = await PciTokenAsync(tenant);

        using HttpResponseMessage large = await ForwardAsync(tenant.Client, PciForward(id), processor.Url("/echo"),
            "{\"n\":{{ account_number }},\"pad\":\"" + new string('x', 64 * 1024) + "\"}");
        await GuardianAssert.ErrorAsync(large, HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE");

        using var binary = new HttpRequestMessage(HttpMethod.Post, PciForward(id)) { Content = new ByteArrayContent([0x7B, 0xFF, 0xFE, 0x7D]) };
        binary.Headers.Add("x-destination-url", processor.Url("/echo"));
        using HttpResponseMessage notUtf8 = await tenant.Client.SendAsync(binary);
        await GuardianAssert.ErrorAsync(notUtf8, HttpStatusCode.UnprocessableEntity, "VALIDATION_ERROR");

        Assert.Empty(processor.Requests);
    }

    // ---------------------------------------------------------------- unfillable placeholders

    [Fact]
    public async Task PciForward_WithoutSecurityCode_Is422NamingIt_AndNothingIsSent()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithDestinationsAsync(Trusted(processor));
        Guid id = await PciTokenAsync(tenant, securityCode: null);

        using HttpResponseMessage response = await ForwardAsync(tenant.Client, PciForward(id), processor.Url("/echo"), AllCardPlaceholders);

        JsonElement body = await GuardianAssert.ValidationAsync(response, "$.placeholders.security_code");
        Assert.Equal(["$.placeholders.security_code"], Paths(body));
        Assert.Empty(processor.Requests);

        // Everything else of the card can still be forwarded.
        using HttpResponseMessage withoutCode = await ForwardAsync(tenant.Client, PciForward(id), processor.Url("/echo"), """{"n":{{ account_number }},"m":{{ expiry_month }}}""");
        Assert.Equal(HttpStatusCode.OK, withoutCode.StatusCode);
    }

    [Fact]
    public async Task PciForward_UnknownOrUnavailablePlaceholders_Are422NamingEach_AndNothingIsSent()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithDestinationsAsync(Trusted(processor));
        Guid id = await PciTokenAsync(tenant, name: null);

        using HttpResponseMessage response = await ForwardAsync(tenant.Client, PciForward(id), processor.Url("/echo"),
            """{"a":{{ nope }},"b":{{ account_number }},"c":{{ cardholder_name }},"d":{{ nope | unwrap }},"e":{{ cryptogram }}}""");

        JsonElement body = await GuardianAssert.ValidationAsync(response, "$.placeholders.nope");
        Assert.Equal(["$.placeholders.nope", "$.placeholders.cardholder_name", "$.placeholders.cryptogram"], Paths(body));
        Assert.DoesNotContain(TestCards.Visa, body.GetRawText(), StringComparison.Ordinal);
        Assert.Empty(processor.Requests);
    }

    [Fact]
    public async Task PciForward_AfterTheSecurityCodeExpired_Is422()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithDestinationsAsync(Trusted(processor));
        Guid id = await PciTokenAsync(tenant, securityCode: "123");

        using (HttpResponseMessage fresh = await ForwardAsync(tenant.Client, PciForward(id), processor.Url("/echo"), """{"c":{{ security_code }}}"""))
        {
            Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        }

        app.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));
        try
        {
            using HttpResponseMessage expired = await ForwardAsync(tenant.Client, PciForward(id), processor.Url("/echo"), """{"c":{{ security_code }}}""");
            await GuardianAssert.ValidationAsync(expired, "$.placeholders.security_code");
        }
        finally
        {
            app.Clock.Advance(-(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1)));
        }

        Assert.Single(processor.Requests);
    }

    // ---------------------------------------------------------------- isolation and rights

    [Fact]
    public async Task PciForward_AnotherTenantsToken_Is404_AndNothingIsSent()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant owner = await TenantWithDestinationsAsync(Trusted(processor));
        TestTenant other = await TenantWithDestinationsAsync(Trusted(processor));
        Guid id = await PciTokenAsync(owner);

        using HttpResponseMessage response = await ForwardAsync(other.Client, PciForward(id), processor.Url("/echo"), """{"n":{{ account_number }}}""");
        using HttpResponseMessage unknown = await ForwardAsync(other.Client, PciForward(Guid.NewGuid()), processor.Url("/echo"), """{"n":{{ account_number }}}""");
        using HttpResponseMessage notAGuid = await ForwardAsync(other.Client, $"{PciTokens}/not-a-token/forward", processor.Url("/echo"), """{"n":{{ account_number }}}""");

        await GuardianAssert.ErrorAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
        await GuardianAssert.ErrorAsync(unknown, HttpStatusCode.NotFound, "NOT_FOUND");
        await GuardianAssert.ErrorAsync(notAGuid, HttpStatusCode.NotFound, "NOT_FOUND");
        Assert.Empty(processor.Requests);
    }

    [Fact]
    public async Task Forward_WithoutDataOut_Is403OnEveryRoute_AndNothingIsSent()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant full = await TenantWithDestinationsAsync(Trusted(processor));
        Guid pciToken = await PciTokenAsync(full);
        Guid networkToken = await NetworkTokenAsync(full);
        string reference = await ReferenceAsync(full, networkToken);
        string tapToken = await TapTokenAsync(full.ApiKey);
        string limitedKey = await app.CreateApiKeyAsync(full.Id, ["tokens:create", "tokens:read", "tokens:delete"]);
        using HttpClient limited = app.ApiKeyClient(limitedKey);
        using HttpClient limitedTap = TapClient(limitedKey);

        using HttpResponseMessage pci = await ForwardAsync(limited, PciForward(pciToken), processor.Url("/echo"), """{"n":{{ account_number }}}""");
        using HttpResponseMessage network = await ForwardAsync(limited, NetworkForward(networkToken), processor.Url("/echo"), """{"c":{{ cryptogram }}}""", ("x-cryptogram-reference", reference));
        using HttpResponseMessage tap = await ForwardAsync(limitedTap, TapForward(tapToken), processor.Url("/echo"), """{"n":{{ account_number }}}""");

        await GuardianAssert.ErrorAsync(pci, HttpStatusCode.Forbidden, "FORBIDDEN");
        await GuardianAssert.ErrorAsync(network, HttpStatusCode.Forbidden, "FORBIDDEN");
        Assert.Equal(HttpStatusCode.Forbidden, tap.StatusCode);
        Assert.Empty(processor.Requests);

        // Nothing was used up: the reference and the single-use token still work with the right key.
        using HttpResponseMessage networkOk = await ForwardAsync(full.Client, NetworkForward(networkToken), processor.Url("/echo"), """{"c":{{ cryptogram }}}""", ("x-cryptogram-reference", reference));
        using HttpClient fullTap = TapClient(full.ApiKey);
        using HttpResponseMessage tapOk = await ForwardAsync(fullTap, TapForward(tapToken), processor.Url("/echo"), """{"n":{{ account_number }}}""");
        Assert.Equal(HttpStatusCode.OK, networkOk.StatusCode);
        Assert.Equal(HttpStatusCode.OK, tapOk.StatusCode);
    }

    // ---------------------------------------------------------------- cryptograms

    [Fact]
    public async Task CryptogramForward_FillsEveryPlaceholder_MasksTheTokenNumber_AndTheCryptogramIsGenuine()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithDestinationsAsync(Trusted(processor));
        Guid id = await NetworkTokenAsync(tenant, month: 7);
        JsonElement token = await GetJsonAsync(tenant.Client, $"{NetworkTokens}/{id}");
        string reference = await ReferenceAsync(tenant, id, amount: 1000, currency: "EUR");
        const string Template = """
            {"cryptogram":{{ cryptogram }},"dynamic_cvv":{{ dynamic_cvv }},"eci":{{ eci }},"expiry_month":{{ expiry_month }},"month":{{ expiry_month | unwrap }},
             "expiry_year":{{ expiry_year }},"year":{{ expiry_year | unwrap }},"number":{{ number }},"type":{{ type }},"scheme_reference":{{ scheme_reference }},
             "network_token_id":{{ network_token_id }},"network_token_type":{{ network_token_type }}}
            """;

        using HttpResponseMessage response = await ForwardAsync(tenant.Client, NetworkForward(id), processor.Url("/echo"), Template, ("x-cryptogram-reference", reference));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        RecordedRequest received = Assert.Single(processor.Requests);
        Assert.Null(received.Header("x-cryptogram-reference"));
        JsonElement sent = JsonDocument.Parse(received.Body).RootElement;
        string cryptogram = sent.GetProperty("cryptogram").GetString()!;
        string number = sent.GetProperty("number").GetString()!;
        Assert.Matches(@"^[A-Za-z0-9+/]{27}=$", cryptogram);
        Assert.Matches(@"^\d{3}$", sent.GetProperty("dynamic_cvv").GetString());
        Assert.Equal("05", sent.GetProperty("eci").GetString());
        Assert.Equal("07", sent.GetProperty("expiry_month").GetString());
        Assert.Equal(7, sent.GetProperty("month").GetInt32());
        Assert.Equal(YearText, sent.GetProperty("expiry_year").GetString());
        Assert.Equal(Year, sent.GetProperty("year").GetInt32());
        Assert.Matches("^489537[0-9]{10}$", number);
        Assert.NotEqual(TestCards.Visa, number);
        Assert.Equal("TAVV", sent.GetProperty("type").GetString());
        Assert.Equal(token.GetProperty("network_token").GetProperty("scheme_reference").GetString(), sent.GetProperty("scheme_reference").GetString());
        Assert.Equal(id.ToString(), sent.GetProperty("network_token_id").GetString());
        Assert.Equal("vts", sent.GetProperty("network_token_type").GetString());

        // The echo comes back with the token number masked and the cryptogram hidden.
        string text = await response.Content.ReadAsStringAsync();
        JsonElement echoed = JsonDocument.Parse(text).RootElement;
        Assert.Equal(number[..6] + "******" + number[^4..], echoed.GetProperty("number").GetString());
        Assert.Equal("[cryptogram]", echoed.GetProperty("cryptogram").GetString());
        Assert.DoesNotContain(number, text, StringComparison.Ordinal);
        Assert.DoesNotContain(cryptogram, text, StringComparison.Ordinal);

        // What the processor got is the real thing: it authorizes once for the reference's amount and currency, for no
        // other amount, and not twice (redeeming the reference and using the cryptogram are separate single uses).
        Assert.Equal("forged", await AuthorizeAsync(tenant, id, cryptogram, 1001, "EUR"));
        Assert.Equal("valid", await AuthorizeAsync(tenant, id, cryptogram, 1000, "EUR"));
        Assert.Equal("already_used", await AuthorizeAsync(tenant, id, cryptogram, 1000, "EUR"));
    }

    [Fact]
    public async Task CryptogramForward_EchoedCryptogram_IsMasked_AlsoWhenJsonEscapingChangedIt()
    {
        // A base64 cryptogram may contain '+', which a JSON string placeholder renders as \u002B: the echo of that
        // form is the cryptogram too. Cryptograms are random, so forward until one with a '+' has been seen.
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithDestinationsAsync(Trusted(processor));
        Guid id = await NetworkTokenAsync(tenant);
        int withPlus = 0;
        for (int attempt = 0; attempt < 60 && withPlus < 2; attempt++)
        {
            string reference = await ReferenceAsync(tenant, id);
            using HttpResponseMessage response = await ForwardAsync(tenant.Client, NetworkForward(id), processor.Url("/echo"),
                """{"c":{{ cryptogram }},"raw":"{{ cryptogram | unwrap }}"}""", ("x-cryptogram-reference", reference));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            string sent = JsonDocument.Parse(processor.Requests[^1].Body).RootElement.GetProperty("raw").GetString()!;
            JsonElement echoed = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("[cryptogram]", echoed.GetProperty("c").GetString());
            Assert.Equal("[cryptogram]", echoed.GetProperty("raw").GetString());
            if (sent.Contains('+', StringComparison.Ordinal))
            {
                Assert.Contains("\\u002B", processor.Requests[^1].Body, StringComparison.Ordinal);
                withPlus++;
            }
        }

        Assert.True(withPlus > 0, "no cryptogram with a '+' in 60 tries");
    }

    [Fact]
    public async Task CryptogramForward_ReferenceDiesWithTheFirst2xx()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithDestinationsAsync(Trusted(processor));
        Guid id = await NetworkTokenAsync(tenant);
        string reference = await ReferenceAsync(tenant, id);

        using HttpResponseMessage first = await ForwardAsync(tenant.Client, NetworkForward(id), processor.Url("/echo"), """{"c":{{ cryptogram }}}""", ("x-cryptogram-reference", reference));
        using HttpResponseMessage second = await ForwardAsync(tenant.Client, NetworkForward(id), processor.Url("/echo"), """{"c":{{ cryptogram }}}""", ("x-cryptogram-reference", reference));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await GuardianAssert.ErrorAsync(second, HttpStatusCode.Conflict, "CONFLICT");
        Assert.Single(processor.Requests);
    }

    [Fact]
    public async Task CryptogramForward_AfterANon2xxAnswer_TheReferenceCanBeUsedAgain()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        await using ProcessorServer untrusted = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithDestinationsAsync(Trusted(processor), new { url = untrusted.BaseUrl, allow_private_network = true });
        Guid id = await NetworkTokenAsync(tenant);
        string reference = await ReferenceAsync(tenant, id);
        (string, string) header = ("x-cryptogram-reference", reference);
        using HttpClient client = NoRedirectClient(tenant.ApiKey);

        using HttpResponseMessage serverError = await ForwardAsync(client, NetworkForward(id), processor.Url("/status/500"), """{"c":{{ cryptogram }}}""", header);
        using HttpResponseMessage redirect = await ForwardAsync(client, NetworkForward(id), processor.Url("/redirect"), """{"c":{{ cryptogram }}}""", header);
        using HttpResponseMessage unreachable = await ForwardAsync(client, NetworkForward(id), untrusted.Url("/echo"), """{"c":{{ cryptogram }}}""", header);
        using HttpResponseMessage unfilled = await ForwardAsync(client, NetworkForward(id), processor.Url("/echo"), """{"c":{{ cryptogram }},"x":{{ account_number }}}""", header);
        using HttpResponseMessage success = await ForwardAsync(client, NetworkForward(id), processor.Url("/echo"), """{"c":{{ cryptogram }}}""", header);
        using HttpResponseMessage spent = await ForwardAsync(client, NetworkForward(id), processor.Url("/status/500"), """{"c":{{ cryptogram }}}""", header);

        Assert.Equal(HttpStatusCode.InternalServerError, serverError.StatusCode);
        Assert.Equal(HttpStatusCode.Found, redirect.StatusCode);
        await GuardianAssert.ErrorAsync(unreachable, HttpStatusCode.BadGateway, "BAD_GATEWAY");
        await GuardianAssert.ValidationAsync(unfilled, "$.placeholders.account_number");
        Assert.Equal(HttpStatusCode.OK, success.StatusCode);
        await GuardianAssert.ErrorAsync(spent, HttpStatusCode.Conflict, "CONFLICT");

        // Every attempt carried the same cryptogram (the reference names one).
        string[] cryptograms = [.. processor.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("c").GetString()!)];
        Assert.Equal(3, cryptograms.Length);
        Assert.Single(cryptograms.Distinct(StringComparer.Ordinal));
        Assert.Empty(untrusted.Requests);
    }

    [Fact]
    public async Task CryptogramForward_ConcurrentForwardsOfOneReference_OnlyOneIsSent()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithDestinationsAsync(Trusted(processor));
        Guid id = await NetworkTokenAsync(tenant);
        string reference = await ReferenceAsync(tenant, id);

        Task<HttpResponseMessage>[] forwards = [.. Enumerable.Range(0, 4).Select(_ =>
            ForwardAsync(tenant.Client, NetworkForward(id), processor.Url("/slow?ms=300"), """{"c":{{ cryptogram }}}""", ("x-cryptogram-reference", reference)))];
        HttpResponseMessage[] responses = await Task.WhenAll(forwards);
        try
        {
            Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
            Assert.Equal(3, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
            Assert.Single(processor.Requests);
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
    public async Task CryptogramForward_ExpiredReference_Is409()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithDestinationsAsync(Trusted(processor));
        Guid id = await NetworkTokenAsync(tenant);
        string reference = await ReferenceAsync(tenant, id);

        app.Clock.Advance(TimeSpan.FromMinutes(11));
        try
        {
            using HttpResponseMessage response = await ForwardAsync(tenant.Client, NetworkForward(id), processor.Url("/echo"), """{"c":{{ cryptogram }}}""", ("x-cryptogram-reference", reference));
            await GuardianAssert.ErrorAsync(response, HttpStatusCode.Conflict, "CONFLICT");
        }
        finally
        {
            app.Clock.Advance(TimeSpan.FromMinutes(-11));
        }

        Assert.Empty(processor.Requests);
    }

    [Fact]
    public async Task CryptogramForward_SuspendedToken_Is409_AndTheReferenceWorksAfterResume()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithDestinationsAsync(Trusted(processor));
        Guid id = await NetworkTokenAsync(tenant);
        string reference = await ReferenceAsync(tenant, id);
        using (HttpResponseMessage suspend = await tenant.Client.PostAsync($"{NetworkTokens}/{id}/suspend", null))
        {
            Assert.Equal(HttpStatusCode.OK, suspend.StatusCode);
        }

        using (HttpResponseMessage suspended = await ForwardAsync(tenant.Client, NetworkForward(id), processor.Url("/echo"), """{"c":{{ cryptogram }}}""", ("x-cryptogram-reference", reference)))
        {
            await GuardianAssert.ErrorAsync(suspended, HttpStatusCode.Conflict, "CONFLICT");
        }

        Assert.Empty(processor.Requests);
        using (HttpResponseMessage resume = await tenant.Client.PostAsync($"{NetworkTokens}/{id}/resume", null))
        {
            Assert.Equal(HttpStatusCode.OK, resume.StatusCode);
        }

        using HttpResponseMessage resumed = await ForwardAsync(tenant.Client, NetworkForward(id), processor.Url("/echo"), """{"c":{{ cryptogram }}}""", ("x-cryptogram-reference", reference));
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.Single(processor.Requests);
    }

    [Fact]
    public async Task CryptogramForward_ReferenceOfAnotherToken_Is409_AndLeavesItUsable()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithDestinationsAsync(Trusted(processor));
        Guid id = await NetworkTokenAsync(tenant, TestCards.Visa);
        Guid otherId = await NetworkTokenAsync(tenant, TestCards.Mastercard);

        // Both tokens at the same counter, so a reference checked only by counter would find a cryptogram of either.
        string ownReference = await ReferenceAsync(tenant, id);
        string otherReference = await ReferenceAsync(tenant, otherId);

        using HttpResponseMessage crossed = await ForwardAsync(tenant.Client, NetworkForward(id), processor.Url("/echo"), """{"c":{{ cryptogram }}}""", ("x-cryptogram-reference", otherReference));
        using HttpResponseMessage unknown = await ForwardAsync(tenant.Client, NetworkForward(id), processor.Url("/echo"), """{"c":{{ cryptogram }}}""", ("x-cryptogram-reference", "cref_" + new string('A', 32)));
        using HttpResponseMessage missing = await ForwardAsync(tenant.Client, NetworkForward(id), processor.Url("/echo"), """{"c":{{ cryptogram }}}""");

        await GuardianAssert.ErrorAsync(crossed, HttpStatusCode.Conflict, "CONFLICT");
        await GuardianAssert.ErrorAsync(unknown, HttpStatusCode.Conflict, "CONFLICT");
        await GuardianAssert.ValidationAsync(missing, "$.headers['x-cryptogram-reference']");
        Assert.Empty(processor.Requests);

        // Neither reference was touched: each still works, on its own token.
        using HttpResponseMessage other = await ForwardAsync(tenant.Client, NetworkForward(otherId), processor.Url("/echo"), """{"n":{{ number }}}""", ("x-cryptogram-reference", otherReference));
        using HttpResponseMessage own = await ForwardAsync(tenant.Client, NetworkForward(id), processor.Url("/echo"), """{"n":{{ number }}}""", ("x-cryptogram-reference", ownReference));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(2, processor.Requests.Count);
        Assert.StartsWith("{\"n\":\"520473", processor.Requests[0].Body, StringComparison.Ordinal);
        Assert.StartsWith("{\"n\":\"489537", processor.Requests[1].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CryptogramForward_AnotherTenantsToken_Is404()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant owner = await TenantWithDestinationsAsync(Trusted(processor));
        TestTenant other = await TenantWithDestinationsAsync(Trusted(processor));
        Guid id = await NetworkTokenAsync(owner);
        string reference = await ReferenceAsync(owner, id);

        using HttpResponseMessage response = await ForwardAsync(other.Client, NetworkForward(id), processor.Url("/echo"), """{"c":{{ cryptogram }}}""", ("x-cryptogram-reference", reference));

        await GuardianAssert.ErrorAsync(response, HttpStatusCode.NotFound, "NOT_FOUND");
        Assert.Empty(processor.Requests);
    }

    // ---------------------------------------------------------------- Tap single-use tokens

    [Fact]
    public async Task TapForward_FillsTheCard_UsesTheTokenUp_AndDoesNotPassTheBearerKeyOn()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithDestinationsAsync(Trusted(processor));
        string tokenId = await TapTokenAsync(tenant.ApiKey, month: 12, cvc: "731", name: "Tap User");
        using HttpClient tap = TapClient(tenant.ApiKey);

        using HttpResponseMessage response = await ForwardAsync(tap, TapForward(tokenId), processor.Url("/echo"),
            """{"account_number":{{ account_number }},"cardholder_name":{{ cardholder_name }},"expiry_month":{{ expiry_month }},"month":{{ expiry_month | unwrap }},"expiry_year":{{ expiry_year }},"security_code":{{ security_code }}}""",
            ("x-merchant-ref", "tap-1"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        RecordedRequest received = Assert.Single(processor.Requests);
        Assert.Equal(
            $$"""{"account_number":"4111111111111111","cardholder_name":"Tap User","expiry_month":"12","month":12,"expiry_year":"{{YearText}}","security_code":"731"}""",
            received.Body);
        Assert.Null(received.Header("authorization"));
        Assert.Null(received.Header("x-destination-url"));
        Assert.Equal("tap-1", received.Header("x-merchant-ref"));
        Assert.All(received.Headers.Values, value => Assert.DoesNotContain(tenant.ApiKey, value, StringComparison.Ordinal));
        string text = await response.Content.ReadAsStringAsync();
        Assert.Contains(MaskedVisa, text, StringComparison.Ordinal);
        Assert.DoesNotContain(TestCards.Visa, text, StringComparison.Ordinal);

        // Used up: a second forward is refused without reaching the processor, and the token says so.
        using HttpResponseMessage again = await ForwardAsync(tap, TapForward(tokenId), processor.Url("/echo"), """{"n":{{ account_number }}}""");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Single(processor.Requests);
        JsonElement token = await GetJsonAsync(tap, $"{TapTokens}/{tokenId}");
        Assert.True(token.GetProperty("used").GetBoolean());

        // And it cannot be turned into a PCI token afterwards either.
        using HttpResponseMessage use = await tenant.Client.PostAsJsonAsync(PciTokens, new { source = new { type = "single_use_token", token_id = tokenId } });
        Assert.NotEqual(HttpStatusCode.OK, use.StatusCode);
    }

    [Fact]
    public async Task TapForward_OwnHeader_PassesTheProcessorsAuthorization()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithDestinationsAsync(Trusted(processor));
        string tokenId = await TapTokenAsync(tenant.ApiKey);
        using HttpClient tap = TapClient(tenant.ApiKey);

        using HttpResponseMessage response = await ForwardAsync(tap, TapForward(tokenId), processor.Url("/echo"), """{"n":{{ account_number }}}""",
            ("x-own-header-name", "Authorization"), ("x-own-header-value", "Bearer processor-secret"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Bearer processor-secret", Assert.Single(processor.Requests).Header("authorization"));
    }

    [Fact]
    public async Task TapForward_Unfillable_Is422_AndDoesNotUseTheTokenUp()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithDestinationsAsync(Trusted(processor));
        string tokenId = await TapTokenAsync(tenant.ApiKey);
        using HttpClient tap = TapClient(tenant.ApiKey);

        using HttpResponseMessage unfilled = await ForwardAsync(tap, TapForward(tokenId), processor.Url("/echo"), """{"n":{{ account_number }},"x":{{ nope }}}""");
        using HttpResponseMessage notAllowed = await ForwardAsync(tap, TapForward(tokenId), "https://example.com/echo", """{"n":{{ account_number }}}""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, unfilled.StatusCode);
        Assert.Contains("nope", await unfilled.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, notAllowed.StatusCode);
        Assert.Empty(processor.Requests);
        Assert.False((await GetJsonAsync(tap, $"{TapTokens}/{tokenId}")).GetProperty("used").GetBoolean());

        using HttpResponseMessage ok = await ForwardAsync(tap, TapForward(tokenId), processor.Url("/echo"), """{"n":{{ account_number }}}""");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.True((await GetJsonAsync(tap, $"{TapTokens}/{tokenId}")).GetProperty("used").GetBoolean());
    }

    [Fact]
    public async Task TapForward_Concurrent_OnlyOneIsSent()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithDestinationsAsync(Trusted(processor));
        string tokenId = await TapTokenAsync(tenant.ApiKey);
        using HttpClient tap = TapClient(tenant.ApiKey);

        HttpResponseMessage[] responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            ForwardAsync(tap, TapForward(tokenId), processor.Url("/echo"), """{"n":{{ account_number }}}""")));
        try
        {
            Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
            Assert.Equal(3, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
            Assert.Single(processor.Requests);
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
    public async Task PciForward_CallerGoesAway_WhileTheDestinationHasTheCard_IsStillAudited()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithDestinationsAsync(Trusted(processor));
        Guid id = await PciTokenAsync(tenant);
        using var cancel = new CancellationTokenSource();

        Task<HttpResponseMessage> forward = ForwardAsync(tenant.Client, PciForward(id), processor.Url("/slow?ms=5000"), """{"n":{{ account_number }}}""", cancel.Token);
        await processor.WaitForRequestAsync(r => r.Path == "/slow");
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => forward);

        // The card reached the destination, so the forward must be on record, even though nobody read the answer.
        List<JsonElement> entries = [];
        for (int attempt = 0; attempt < 50 && entries.Count == 0; attempt++)
        {
            await Task.Delay(100);
            entries = await AuditAsync(tenant.Id, "pci_token.forwarded");
        }

        JsonElement details = Assert.Single(entries).GetProperty("details");
        Assert.Equal(processor.BaseUrl, details.GetProperty("destination").GetString());
        Assert.Equal("aborted", details.GetProperty("outcome").GetString());
        Assert.Equal("0", details.GetProperty("status").GetString());
    }

    [Fact]
    public async Task TapForward_AnotherTenantsToken_Is404()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant owner = await TenantWithDestinationsAsync(Trusted(processor));
        TestTenant other = await TenantWithDestinationsAsync(Trusted(processor));
        string tokenId = await TapTokenAsync(owner.ApiKey);
        using HttpClient otherTap = TapClient(other.ApiKey);
        using HttpClient ownerTap = TapClient(owner.ApiKey);

        using HttpResponseMessage response = await ForwardAsync(otherTap, TapForward(tokenId), processor.Url("/echo"), """{"n":{{ account_number }}}""");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(processor.Requests);
        Assert.False((await GetJsonAsync(ownerTap, $"{TapTokens}/{tokenId}")).GetProperty("used").GetBoolean());
    }

    // ---------------------------------------------------------------- audit and logs

    [Fact]
    public async Task EveryForward_IsAudited_WithDestinationAndStatus_AndNoCardData()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithDestinationsAsync(Trusted(processor));
        Guid pciToken = await PciTokenAsync(tenant, securityCode: "987");
        Guid networkToken = await NetworkTokenAsync(tenant);
        string reference = await ReferenceAsync(tenant, networkToken);
        string tapToken = await TapTokenAsync(tenant.ApiKey, cvc: "654");
        using HttpClient tap = TapClient(tenant.ApiKey);
        const string Template = """{"n":{{ account_number }},"c":{{ security_code }}}""";

        using (HttpResponseMessage ok = await ForwardAsync(tenant.Client, PciForward(pciToken), processor.Url("/echo"), Template))
        using (HttpResponseMessage declined = await ForwardAsync(tenant.Client, PciForward(pciToken), processor.Url("/status/402"), Template))
        using (HttpResponseMessage network = await ForwardAsync(tenant.Client, NetworkForward(networkToken), processor.Url("/echo"), """{"n":{{ number }},"c":{{ cryptogram }}}""", ("x-cryptogram-reference", reference)))
        using (HttpResponseMessage single = await ForwardAsync(tap, TapForward(tapToken), processor.Url("/echo"), Template))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal(HttpStatusCode.PaymentRequired, declined.StatusCode);
            Assert.Equal(HttpStatusCode.OK, network.StatusCode);
            Assert.Equal(HttpStatusCode.OK, single.StatusCode);
        }

        string origin = processor.BaseUrl;
        List<JsonElement> pci = await AuditAsync(tenant.Id, "pci_token.forwarded");
        Assert.Equal(2, pci.Count);
        Assert.All(pci, e => Assert.Equal(pciToken.ToString(), e.GetProperty("target").GetString()));
        Assert.All(pci, e => Assert.StartsWith("api-key:", e.GetProperty("actor").GetString(), StringComparison.Ordinal));
        JsonElement delivered = pci[0].GetProperty("details");
        Assert.Equal(origin, delivered.GetProperty("destination").GetString());
        Assert.Equal("200", delivered.GetProperty("status").GetString());
        Assert.Equal("delivered", delivered.GetProperty("outcome").GetString());
        int requestBytes = Encoding.UTF8.GetByteCount($$"""{"n":"{{TestCards.Visa}}","c":"987"}""");
        Assert.Equal(requestBytes.ToString(CultureInfo.InvariantCulture), delivered.GetProperty("request_bytes").GetString());
        Assert.Equal(requestBytes.ToString(CultureInfo.InvariantCulture), delivered.GetProperty("response_bytes").GetString());
        Assert.True(long.Parse(delivered.GetProperty("duration_ms").GetString()!, CultureInfo.InvariantCulture) >= 0);
        Assert.Equal("402", pci[1].GetProperty("details").GetProperty("status").GetString());
        Assert.Equal("delivered", pci[1].GetProperty("details").GetProperty("outcome").GetString());

        JsonElement cryptogram = Assert.Single(await AuditAsync(tenant.Id, "network_token.cryptogram_forwarded"));
        Assert.Equal(networkToken.ToString(), cryptogram.GetProperty("target").GetString());
        Assert.Equal(origin, cryptogram.GetProperty("details").GetProperty("destination").GetString());
        Assert.Equal("200", cryptogram.GetProperty("details").GetProperty("status").GetString());

        JsonElement singleUse = Assert.Single(await AuditAsync(tenant.Id, "single_use_token.forwarded"));
        Assert.Equal(tapToken, singleUse.GetProperty("target").GetString());
        Assert.Equal(origin, singleUse.GetProperty("details").GetProperty("destination").GetString());
        Assert.Equal("200", singleUse.GetProperty("details").GetProperty("status").GetString());

        string tokenPan = JsonDocument.Parse(processor.RequestsTo("/echo")[1].Body).RootElement.GetProperty("n").GetString()!;
        string sentCryptogram = JsonDocument.Parse(processor.RequestsTo("/echo")[1].Body).RootElement.GetProperty("c").GetString()!;
        string all = string.Join('\n', pci.Append(cryptogram).Append(singleUse).Select(e => e.GetRawText()));
        foreach (string secret in new[] { TestCards.Visa, tokenPan, sentCryptogram, "\"987\"", "\"654\"", reference, tenant.ApiKey })
        {
            Assert.DoesNotContain(secret, all, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task FailedForwards_AreAudited_WithTheirOutcome()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithDestinationsAsync(
            new { url = processor.LocalhostUrl, ca_certificate_pem = processor.CertificatePem },
            new { url = processor.BaseUrl, allow_private_network = true });
        Guid id = await PciTokenAsync(tenant);

        using (HttpResponseMessage blocked = await ForwardAsync(tenant.Client, PciForward(id), processor.LocalhostUrl + "/echo", """{"n":{{ account_number }}}"""))
        using (HttpResponseMessage untrusted = await ForwardAsync(tenant.Client, PciForward(id), processor.Url("/echo"), """{"n":{{ account_number }}}"""))
        {
            Assert.Equal(HttpStatusCode.Forbidden, blocked.StatusCode);
            Assert.Equal(HttpStatusCode.BadGateway, untrusted.StatusCode);
        }

        List<JsonElement> entries = await AuditAsync(tenant.Id, "pci_token.forwarded");
        Assert.Equal(["blocked", "unreachable"], entries.Select(e => e.GetProperty("details").GetProperty("outcome").GetString()));
        Assert.Equal([processor.LocalhostUrl, processor.BaseUrl], entries.Select(e => e.GetProperty("details").GetProperty("destination").GetString()));
        Assert.All(entries, e => Assert.Equal("0", e.GetProperty("details").GetProperty("status").GetString()));
        Assert.Empty(processor.Requests);
    }

    [Fact]
    public async Task Forwards_LeaveNoCardDataInTheLogs()
    {
        await using ProcessorServer processor = await ProcessorServer.StartAsync();
        TestTenant tenant = await TenantWithDestinationsAsync(Trusted(processor));
        Guid pciToken = await PciTokenAsync(tenant, TestCards.Mastercard, securityCode: "468");
        Guid networkToken = await NetworkTokenAsync(tenant, TestCards.Discover);
        string reference = await ReferenceAsync(tenant, networkToken);
        string tapToken = await TapTokenAsync(tenant.ApiKey, pan: TestCards.Amex, cvc: "2468");
        using HttpClient tap = TapClient(tenant.ApiKey);
        const string Template = """{"n":{{ account_number }},"c":{{ security_code }},"name":{{ cardholder_name }}}""";

        using (HttpResponseMessage a = await ForwardAsync(tenant.Client, PciForward(pciToken), processor.Url("/echo"), Template))
        using (HttpResponseMessage b = await ForwardAsync(tenant.Client, PciForward(pciToken), processor.Url("/status/500"), Template))
        using (HttpClient noRedirect = NoRedirectClient(tenant.ApiKey))
        using (HttpResponseMessage c = await ForwardAsync(noRedirect, PciForward(pciToken), processor.Url("/redirect"), Template))
        using (HttpResponseMessage d = await ForwardAsync(tenant.Client, NetworkForward(networkToken), processor.Url("/echo"), """{"n":{{ number }},"c":{{ cryptogram }},"d":{{ dynamic_cvv }}}""", ("x-cryptogram-reference", reference)))
        using (HttpResponseMessage e = await ForwardAsync(tap, TapForward(tapToken), processor.Url("/echo"), Template))
        using (HttpResponseMessage f = await ForwardAsync(tenant.Client, PciForward(pciToken), processor.Url("/echo"), """{"n":{{ account_number }},"x":{{ nope }}}"""))
        {
            Assert.Equal(HttpStatusCode.OK, a.StatusCode);
            Assert.Equal(HttpStatusCode.InternalServerError, b.StatusCode);
            Assert.Equal(HttpStatusCode.Found, c.StatusCode);
            Assert.Equal(HttpStatusCode.OK, d.StatusCode);
            Assert.Equal(HttpStatusCode.OK, e.StatusCode);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, f.StatusCode);
        }

        JsonElement networkSent = JsonDocument.Parse(processor.RequestsTo("/echo")[1].Body).RootElement;
        string logs = app.Logs.AllText;
        Assert.NotEmpty(logs);
        foreach (string secret in new[] { TestCards.Mastercard, TestCards.Discover, TestCards.Amex, networkSent.GetProperty("n").GetString()!, networkSent.GetProperty("c").GetString()!, reference })
        {
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("\"468\"", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("\"2468\"", logs, StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- helpers

    private static string PciForward(Guid id) => $"{PciTokens}/{id}/forward";

    private static string NetworkForward(Guid id) => $"{NetworkTokens}/{id}/forward";

    private static string TapForward(string id) => $"{TapTokens}/{id}/forward";

    private static string DestinationsPath(Guid tenantId) => $"/api/admin/tenants/{tenantId}/forward-destinations";

    /// <summary>The processor as an allowlisted destination the vault trusts (its certificate pinned, loopback allowed).</summary>
    private static object Trusted(ProcessorServer processor, string? url = null) =>
        new { url = url ?? processor.BaseUrl, allow_private_network = true, ca_certificate_pem = processor.CertificatePem };

    private static (string CertificatePem, string KeyPem) ClientIdentity(ProcessorServer processor)
    {
        using X509Certificate2 certificate = processor.LoadClientCertificate();
        using ECDsa key = certificate.GetECDsaPrivateKey()!;
        return (certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    private async Task<TestTenant> TenantWithDestinationsAsync(params object[] destinations)
    {
        TestTenant tenant = await app.CreateTenantAsync("Forwarder", DataOutScopes);
        await SetDestinationsAsync(tenant.Id, destinations);
        return tenant;
    }

    private async Task SetDestinationsAsync(Guid tenantId, params object[] destinations)
    {
        using HttpClient admin = app.AdminClient();
        using HttpResponseMessage response = await admin.PutAsJsonAsync(DestinationsPath(tenantId), new { destinations });
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {text}");
    }

    private static HttpClient ApiKeyClient(WebApplicationFactory<Program> factory, string apiKey)
    {
        HttpClient client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("x-api-key", apiKey);
        return client;
    }

    /// <summary>A Guardian client that, unlike the factory's default, does not follow a redirect the destination sent back.</summary>
    private HttpClient NoRedirectClient(string apiKey)
    {
        HttpClient client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add("x-api-key", apiKey);
        return client;
    }

    private HttpClient TapClient(string apiKey)
    {
        HttpClient client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return client;
    }

    private static Task<HttpResponseMessage> ForwardAsync(HttpClient client, string path, string destination, string body, params (string Name, string Value)[] headers) =>
        ForwardAsync(client, path, destination, body, CancellationToken.None, headers);

    private static async Task<HttpResponseMessage> ForwardAsync(
        HttpClient client, string path, string destination, string body, CancellationToken cancellationToken, params (string Name, string Value)[] headers)
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

        return await client.SendAsync(request, cancellationToken);
    }

    private static async Task<Guid> PciTokenAsync(TestTenant tenant, string pan = TestCards.Visa, int month = 12, string? securityCode = "123", string? name = "John Doe")
    {
        using HttpResponseMessage response = await tenant.Client.PostAsJsonAsync(PciTokens, new { source = TestCards.PanSource(pan, month, Year, securityCode, name) });
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
    }

    private static async Task<Guid> NetworkTokenAsync(TestTenant tenant, string pan = TestCards.Visa, int month = 12)
    {
        using HttpResponseMessage response = await tenant.Client.PostAsJsonAsync(NetworkTokens,
            new { source = TestCards.PanSource(pan, month, Year, pan.Length == 15 ? "1234" : "123") });
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
    }

    private static async Task<string> ReferenceAsync(TestTenant tenant, Guid networkTokenId, long? amount = null, string? currency = null)
    {
        object body = amount is null ? new { mode = "reference" } : new { amount, currency, mode = "reference" };
        using HttpResponseMessage response = await tenant.Client.PostAsJsonAsync($"{NetworkTokens}/{networkTokenId}/cryptograms", body);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("cryptogram_reference").GetString()!;
    }

    private async Task<string> TapTokenAsync(string apiKey, string pan = TestCards.Visa, int month = 12, string cvc = "123", string name = "Tap User")
    {
        using HttpClient client = TapClient(apiKey);
        string body = JsonSerializer.Serialize(new { card = new { number = pan, exp_month = month, exp_year = Year, cvc, name } });
        using HttpResponseMessage response = await client.PostAsync(TapTokens, new StringContent(body, Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, string path)
    {
        using HttpResponseMessage response = await client.GetAsync(path);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<string?> AuthorizeAsync(TestTenant tenant, Guid id, string cryptogram, long? amount, string? currency)
    {
        using HttpClient admin = app.AdminClient(tenant.Id);
        using HttpResponseMessage response = await admin.PostAsJsonAsync($"/api/simulator/network-tokens/{id}/authorize", new { cryptogram, amount, currency });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync()).GetProperty("result").GetString();
    }

    private async Task<List<JsonElement>> AuditAsync(Guid tenantId, string action)
    {
        using HttpClient admin = app.AdminClient();
        JsonElement body = await GetJsonAsync(admin, $"/api/audit?tenant_id={tenantId}&action={action}");
        return [.. body.GetProperty("data").EnumerateArray()];
    }

    private static string[] Paths(JsonElement validation) =>
        [.. validation.GetProperty("validation_errors").EnumerateArray().Select(e => e.GetProperty("path").GetString()!)];
}
