using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Strongroom.Server.Tests.Forwarding;

/// <summary>
/// The processor fixture itself, driven by a plain <see cref="HttpClient"/>: if these fail, a forwarding test's
/// failure would say nothing about the vault. In particular the certificate must be trusted only when pinned,
/// or a forwarder that trusts everything would pass the trust tests.
/// </summary>
public sealed class ProcessorServerTests
{
    [Fact]
    public async Task PinnedClient_ReachesTheServer_ByIpAndByLocalhost()
    {
        await using ProcessorServer server = await ProcessorServer.StartAsync();
        using HttpClient client = server.CreateClient();

        foreach (string baseUrl in new[] { server.BaseUrl, server.LocalhostUrl })
        {
            using HttpResponseMessage response = await client.PostAsync(new Uri(baseUrl + "/echo"), new StringContent("{}"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.StartsWith("https://127.0.0.1:", server.BaseUrl, StringComparison.Ordinal);
        Assert.Equal($"https://localhost:{server.Port}", server.LocalhostUrl);
    }

    [Fact]
    public async Task DefaultClient_RejectsTheCertificate_SoNothingTrustsItByAccident()
    {
        await using ProcessorServer server = await ProcessorServer.StartAsync();
        using var client = new HttpClient();

        HttpRequestException refused = await Assert.ThrowsAsync<HttpRequestException>(
            () => client.PostAsync(new Uri(server.Url("/echo")), new StringContent("{}")));

        Assert.IsType<AuthenticationException>(refused.InnerException);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task ClientPinnedToAnotherCertificate_IsRefused()
    {
        await using ProcessorServer server = await ProcessorServer.StartAsync();
        using X509Certificate2 other = TestCertificates.CreateServerCertificate();
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = TestCertificates.TrustExactly(other);
        using var client = new HttpClient(handler);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.PostAsync(new Uri(server.Url("/echo")), new StringContent("{}")));
    }

    [Fact]
    public async Task CertificatePem_AsTheOnlyCustomRoot_IsAcceptedByDefaultValidation()
    {
        // The way a forwarder is likely to trust a destination: its PEM as the sole root, no callback.
        await using ProcessorServer server = await ProcessorServer.StartAsync();
        using X509Certificate2 pinned = X509Certificate2.CreateFromPem(server.CertificatePem);
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.CertificateChainPolicy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            CustomTrustStore = { pinned },
        };
        using var client = new HttpClient(handler);

        foreach (string baseUrl in new[] { server.BaseUrl, server.LocalhostUrl })
        {
            using HttpResponseMessage response = await client.PostAsync(new Uri(baseUrl + "/echo"), new StringContent("{}"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task Certificate_IsSelfSignedForLocalhostAndLoopback_ValidAroundNow_PublicPartOnlyInPem()
    {
        await using ProcessorServer server = await ProcessorServer.StartAsync();
        using X509Certificate2 fromPem = X509Certificate2.CreateFromPem(server.CertificatePem);

        Assert.Equal(server.ServerCertificate.RawData, fromPem.RawData);
        Assert.False(fromPem.HasPrivateKey);
        Assert.DoesNotContain("PRIVATE KEY", server.CertificatePem, StringComparison.Ordinal);
        Assert.Equal(fromPem.Subject, fromPem.Issuer);
        Assert.True(fromPem.MatchesHostname("localhost"));
        Assert.True(fromPem.MatchesHostname("127.0.0.1"));
        Assert.False(fromPem.MatchesHostname("example.com"));
        X509EnhancedKeyUsageExtension eku = fromPem.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single();
        Assert.Equal(["1.3.6.1.5.5.7.3.1"], eku.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(oid => oid.Value));
        Assert.InRange(fromPem.NotBefore.ToUniversalTime(), DateTime.UtcNow.AddDays(-1).AddMinutes(-5), DateTime.UtcNow);
        Assert.InRange(fromPem.NotAfter.ToUniversalTime(), DateTime.UtcNow, DateTime.UtcNow.AddDays(1).AddMinutes(5));
    }

    [Fact]
    public async Task Echo_ReturnsTheBodyVerbatim_WithProcessorHeaders_AndRecordsTheRequest()
    {
        await using ProcessorServer server = await ProcessorServer.StartAsync();
        using HttpClient client = server.CreateClient();
        const string body = "{\"card\":\"4242424242424242\", \"note\":\"é ünïcødé\"}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/echo?tag=1")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-merchant", "m-1");
        request.Headers.Add("x-multi", ["a", "b"]);

        using HttpResponseMessage response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(body, await response.Content.ReadAsStringAsync());
        Assert.Equal("test", Assert.Single(response.Headers.GetValues("x-processor")));
        Assert.True(Guid.TryParse(Assert.Single(response.Headers.GetValues("x-request-id")), out _));

        RecordedRequest recorded = Assert.Single(server.Requests);
        Assert.Equal("POST", recorded.Method);
        Assert.Equal("/echo", recorded.Path);
        Assert.Equal("/echo?tag=1", recorded.PathAndQuery);
        Assert.Equal(body, recorded.Body);
        Assert.Equal("m-1", recorded.Header("X-Merchant"));
        Assert.Equal("a, b", recorded.Headers["x-multi"]);
        Assert.Equal("application/json; charset=utf-8", recorded.Header("content-type"));
        Assert.Equal($"127.0.0.1:{server.Port}", recorded.Header("host"));
        Assert.All(recorded.Headers.Keys, name => Assert.Equal(name.ToLowerInvariant(), name));
        Assert.False(recorded.ClientCertificatePresented);
        Assert.Same(recorded, Assert.Single(server.RequestsTo("/echo")));
    }

    [Theory]
    [InlineData(201)]
    [InlineData(402)]
    [InlineData(422)]
    [InlineData(500)]
    [InlineData(503)]
    public async Task Status_AnswersWithTheRequestedCode_AndAJsonBody(int code)
    {
        await using ProcessorServer server = await ProcessorServer.StartAsync();
        using HttpClient client = server.CreateClient();

        using HttpResponseMessage response = await client.PostAsync(new Uri($"/status/{code}", UriKind.Relative), new StringContent("{}"));

        Assert.Equal(code, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"{{\"status\":{code}}}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Status204_HasNoBody()
    {
        await using ProcessorServer server = await ProcessorServer.StartAsync();
        using HttpClient client = server.CreateClient();

        using HttpResponseMessage response = await client.PostAsync(new Uri("/status/204", UriKind.Relative), new StringContent("{}"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Redirect_IsNotFollowedWithoutAutoRedirect_AndEchoSeesNothing()
    {
        await using ProcessorServer server = await ProcessorServer.StartAsync();
        using HttpClient client = server.CreateClient();

        using HttpResponseMessage response = await client.PostAsync(new Uri("/redirect", UriKind.Relative), new StringContent("{\"pan\":\"x\"}"));

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal(new Uri(server.Url("/echo")), response.Headers.Location);
        Assert.Single(server.RequestsTo("/redirect"));
        Assert.Empty(server.RequestsTo("/echo"));
    }

    [Fact]
    public async Task Redirect_IsFollowedByAClientThatAllowsIt_SoTheNegativeCheckAboveMeansSomething()
    {
        await using ProcessorServer server = await ProcessorServer.StartAsync();
        using SocketsHttpHandler handler = server.CreateHandler();
        handler.AllowAutoRedirect = true;
        using var client = new HttpClient(handler, disposeHandler: false);

        // 302 turns POST into GET, so the follow-up reaches /echo without a body.
        using HttpResponseMessage response = await client.PostAsync(new Uri(server.Url("/redirect")), new StringContent("{}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("GET", Assert.Single(server.RequestsTo("/echo")).Method);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, false)]
    [InlineData(100_000, false)]
    [InlineData(3 * 1024 * 1024 + 7, false)]
    [InlineData(100_000, true)]
    public async Task Large_ReturnsExactlyTheRequestedNumberOfBytes(int bytes, bool chunked)
    {
        await using ProcessorServer server = await ProcessorServer.StartAsync();
        using HttpClient client = server.CreateClient();

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/large?bytes={bytes}" + (chunked ? "&chunked=true" : ""))
        {
            Content = new StringContent("{}"),
        };

        using HttpResponseMessage response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        // Read the framing before buffering: afterwards HttpClient reports the buffered length as content-length.
        long? declaredLength = response.Content.Headers.ContentLength;
        bool? sentChunked = response.Headers.TransferEncodingChunked;
        byte[] body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(bytes, body.Length);
        Assert.All(body, b => Assert.Equal((byte)'a', b));
        Assert.Equal(chunked ? null : bytes, declaredLength);
        Assert.Equal(chunked, sentChunked == true);
    }

    [Fact]
    public async Task Slow_WaitsAtLeastTheRequestedTime()
    {
        await using ProcessorServer server = await ProcessorServer.StartAsync();
        using HttpClient client = server.CreateClient();
        var elapsed = Stopwatch.StartNew();

        using HttpResponseMessage response = await client.PostAsync(new Uri("/slow?ms=300", UriKind.Relative), new StringContent("{}"));

        elapsed.Stop();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"slept_ms\":300}", await response.Content.ReadAsStringAsync());
        Assert.True(elapsed.ElapsedMilliseconds >= 300, $"answered after {elapsed.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Slow_ClientThatGivesUp_DoesNotHoldTheServer()
    {
        var elapsed = Stopwatch.StartNew();
        await using (ProcessorServer server = await ProcessorServer.StartAsync())
        {
            using HttpClient client = server.CreateClient();
            client.Timeout = TimeSpan.FromSeconds(3); // long enough for the TLS handshake on a loaded machine; the server sleeps a minute

            await Assert.ThrowsAsync<TaskCanceledException>(
                () => client.PostAsync(new Uri("/slow?ms=60000", UriKind.Relative), new StringContent("{}")));
            Assert.Single(server.RequestsTo("/slow"));
        }

        // Disposal abandons the minute-long request rather than waiting for it or for a shutdown grace period.
        Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(30), $"took {elapsed.Elapsed}");
    }

    [Fact]
    public async Task Headers_ReportsTheRequestHeadersWithLowerCaseNames()
    {
        await using ProcessorServer server = await ProcessorServer.StartAsync();
        using HttpClient client = server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/headers") { Content = new StringContent("{}") };
        request.Headers.Add("X-Api-Key", "secret-key");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "t0ken");

        using HttpResponseMessage response = await client.SendAsync(request);
        using JsonDocument json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("secret-key", json.RootElement.GetProperty("x-api-key").GetString());
        Assert.Equal("Bearer t0ken", json.RootElement.GetProperty("authorization").GetString());
        Assert.Equal($"127.0.0.1:{server.Port}", json.RootElement.GetProperty("host").GetString());
        Assert.All(json.RootElement.EnumerateObject(), property => Assert.Equal(property.Name.ToLowerInvariant(), property.Name));
    }

    [Fact]
    public async Task UnknownPath_Is404_AndStillRecorded()
    {
        await using ProcessorServer server = await ProcessorServer.StartAsync();
        using HttpClient client = server.CreateClient();

        using HttpResponseMessage response = await client.PostAsync(new Uri("/nope", UriKind.Relative), new StringContent("x"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("x", Assert.Single(server.RequestsTo("/nope")).Body);
    }

    [Fact]
    public async Task WaitForRequest_ReturnsARequestThatArrivesLater_AndTimesOutOtherwise()
    {
        await using ProcessorServer server = await ProcessorServer.StartAsync();
        using HttpClient client = server.CreateClient();

        Task<RecordedRequest> waiting = server.WaitForRequestAsync(r => r.Path == "/echo" && r.Body == "second");
        using (HttpResponseMessage first = await client.PostAsync(new Uri("/echo", UriKind.Relative), new StringContent("first")))
        {
            Assert.False(waiting.IsCompleted);
        }

        using (await client.PostAsync(new Uri("/echo", UriKind.Relative), new StringContent("second")))
        {
        }

        Assert.Equal("second", (await waiting).Body);
        Assert.Equal("first", (await server.WaitForRequestAsync(r => r.Body == "first")).Body);
        await Assert.ThrowsAsync<TimeoutException>(() => server.WaitForRequestAsync(r => r.Path == "/never", TimeSpan.FromMilliseconds(50)));

        server.ClearRequests();
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Mtls_ReportsNoCertificate_WhenNoneIsPresented()
    {
        await using ProcessorServer server = await ProcessorServer.StartAsync();
        using HttpClient client = server.CreateClient();

        Assert.False(await PostMtlsAsync(client));
        Assert.False(Assert.Single(server.Requests).ClientCertificatePresented);
    }

    [Fact]
    public async Task Mtls_ReportsTheCertificate_WhenTheIssuedOneIsPresented()
    {
        await using ProcessorServer server = await ProcessorServer.StartAsync();
        using HttpClient client = server.CreateClient(presentClientCertificate: true);

        Assert.True(await PostMtlsAsync(client));
        RecordedRequest recorded = Assert.Single(server.Requests);
        Assert.True(recorded.ClientCertificatePresented);
        Assert.True(recorded.ClientCertificateValid);
    }

    [Fact]
    public async Task Mtls_ClientCertificatePfx_LoadsWithItsPassword_AndIsIssuedByTheClientCa()
    {
        await using ProcessorServer server = await ProcessorServer.StartAsync();
        using X509Certificate2 client = X509CertificateLoader.LoadPkcs12(server.ClientCertificatePfx, server.ClientCertificatePassword);
        using X509Certificate2 authority = X509Certificate2.CreateFromPem(server.ClientCaCertificatePem);

        Assert.True(client.HasPrivateKey);
        Assert.Equal(authority.Subject, client.Issuer);
        Assert.True(TestCertificates.IsIssuedClientCertificate(client, authority));
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(
            () => X509CertificateLoader.LoadPkcs12(server.ClientCertificatePfx, "wrong password").Dispose());
    }

    [Fact]
    public async Task Mtls_ReportsFalse_ForACertificateFromAnotherIssuer()
    {
        await using ProcessorServer server = await ProcessorServer.StartAsync();
        using X509Certificate2 foreign = TestCertificates.CreateSelfSignedClientCertificate();
        using SocketsHttpHandler handler = server.CreateHandler();
        handler.SslOptions.ClientCertificates = [foreign];
        using var client = new HttpClient(handler, disposeHandler: false) { BaseAddress = new Uri(server.BaseUrl) };

        Assert.False(await PostMtlsAsync(client));
        RecordedRequest recorded = Assert.Single(server.Requests);
        Assert.True(recorded.ClientCertificatePresented);
        Assert.False(recorded.ClientCertificateValid);
    }

    [Fact]
    public async Task RequiredMtls_RefusesTheHandshake_WithoutACertificate_OrWithAForeignOne()
    {
        await using ProcessorServer server = await ProcessorServer.StartAsync(new ProcessorServerOptions { RequireClientCertificate = true });
        Assert.True(server.RequiresClientCertificate);

        using (HttpClient anonymous = server.CreateClient())
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => PostMtlsAsync(anonymous));
        }

        using X509Certificate2 foreign = TestCertificates.CreateSelfSignedClientCertificate();
        using SocketsHttpHandler handler = server.CreateHandler();
        handler.SslOptions.ClientCertificates = [foreign];
        using (var impostor = new HttpClient(handler, disposeHandler: false) { BaseAddress = new Uri(server.BaseUrl) })
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => PostMtlsAsync(impostor));
        }

        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task RequiredMtls_AcceptsTheIssuedCertificate()
    {
        await using ProcessorServer server = await ProcessorServer.StartAsync(new ProcessorServerOptions { RequireClientCertificate = true });
        using HttpClient client = server.CreateClient(presentClientCertificate: true);

        Assert.True(await PostMtlsAsync(client));
    }

    [Fact]
    public async Task PathRequiringACertificate_Is403WithoutOne_AndServedWithIt_OtherPathsUnaffected()
    {
        await using ProcessorServer server = await ProcessorServer.StartAsync(
            new ProcessorServerOptions { ClientCertificateRequiredPaths = ["/echo"] });
        using HttpClient anonymous = server.CreateClient();
        using HttpClient authenticated = server.CreateClient(presentClientCertificate: true);

        using (HttpResponseMessage refused = await anonymous.PostAsync(new Uri("/echo", UriKind.Relative), new StringContent("{\"a\":1}")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal("{\"client_certificate\":false}", await refused.Content.ReadAsStringAsync());
        }

        using (HttpResponseMessage served = await authenticated.PostAsync(new Uri("/echo", UriKind.Relative), new StringContent("{\"a\":1}")))
        {
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            Assert.Equal("{\"a\":1}", await served.Content.ReadAsStringAsync());
        }

        using HttpResponseMessage open = await anonymous.PostAsync(new Uri("/headers", UriKind.Relative), new StringContent("{}"));
        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        Assert.Equal(2, server.RequestsTo("/echo").Count);
    }

    private static async Task<bool> PostMtlsAsync(HttpClient client)
    {
        using HttpResponseMessage response = await client.PostAsync(new Uri("/mtls", UriKind.Relative), new StringContent("{}"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using JsonDocument json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("client_certificate").GetBoolean();
    }
}
