using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Strongroom.Server.Tests;

/// <summary>
/// The SAQ-A session flow over HTTP without a browser: the merchant server opens a session, the
/// cardholder's side completes it at <c>/sessions/{id}/complete</c>, the merchant server reads the outcome
/// at <c>/api/sessions/{id}</c>. Lifecycle, abuse limits, tenant isolation and the form's security headers.
/// </summary>
public sealed class SessionApiTests(StrongroomApplication app) : IClassFixture<StrongroomApplication>
{
    private static readonly int Year = DateTime.UtcNow.Year + 2;

    private static object Card(string pan = TestCards.Visa, string? securityCode = "123", string? name = "Jane Doe", int month = 12, int? year = null) =>
        new { account_number = pan, expiry_month = month, expiry_year = year ?? Year, security_code = securityCode, cardholder_name = name };

    private static async Task<Guid> OpenSessionAsync(TestTenant tenant, object? extra = null)
    {
        using HttpResponseMessage response = await tenant.Client.PostAsJsonAsync("/api/pci/tokens", extra ?? new { source = new { type = "session" } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync()).GetProperty("session_id").GetGuid();
    }

    private async Task<HttpResponseMessage> CompleteAsync(Guid sessionId, object body, HttpClient? client = null)
    {
        using HttpClient browser = client ?? app.CreateClient();
        return await browser.PostAsJsonAsync($"/sessions/{sessionId}/complete", body);
    }

    private static async Task<JsonElement> GetSessionAsync(TestTenant tenant, Guid sessionId)
    {
        using HttpResponseMessage response = await tenant.Client.GetAsync($"/api/sessions/{sessionId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync();
    }

    [Fact]
    public async Task Flow_OpenCompleteRead_TokenCarriesTheSessionsOptions()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        Guid sessionId = await OpenSessionAsync(tenant, new { source = new { type = "session" }, expires_in = 3600, metadata = new { order = "42" } });

        JsonElement open = await GetSessionAsync(tenant, sessionId);
        Assert.Equal("pci_token", open.GetProperty("kind").GetString());
        Assert.Equal("created", open.GetProperty("status").GetString());
        Assert.Equal(5, open.GetProperty("attempts_remaining").GetInt32());
        Assert.Equal(3600, open.GetProperty("expires_in").GetInt32());
        Assert.Equal("42", open.GetProperty("metadata").GetProperty("order").GetString());
        Assert.False(open.TryGetProperty("pci_token_id", out _));

        using HttpResponseMessage completion = await CompleteAsync(sessionId, Card());
        Assert.Equal(HttpStatusCode.OK, completion.StatusCode);
        string completionText = await completion.Content.ReadAsStringAsync();
        JsonElement completed = JsonDocument.Parse(completionText).RootElement;
        Assert.Equal(sessionId, completed.GetProperty("session_id").GetGuid());
        Assert.Equal("completed", completed.GetProperty("status").GetString());
        Guid tokenId = completed.GetProperty("pci_token_id").GetGuid();
        Assert.Equal("411111******1111", completed.GetProperty("card").GetProperty("masked_account_number").GetString());
        Assert.DoesNotContain(TestCards.Visa, completionText, StringComparison.Ordinal);

        JsonElement read = await GetSessionAsync(tenant, sessionId);
        Assert.Equal("completed", read.GetProperty("status").GetString());
        Assert.Equal(tokenId, read.GetProperty("pci_token_id").GetGuid());
        Assert.Equal("visa", read.GetProperty("card").GetProperty("scheme").GetString());
        Assert.True(read.TryGetProperty("completed_at", out _));

        using HttpResponseMessage token = await tenant.Client.GetAsync($"/api/pci/tokens/{tokenId}");
        JsonElement tokenBody = await token.Content.ReadFromJsonAsync();
        Assert.Equal("Jane Doe", tokenBody.GetProperty("card").GetProperty("cardholder_name").GetString());
        Assert.Equal("42", tokenBody.GetProperty("metadata").GetProperty("order").GetString());
        Assert.True(tokenBody.TryGetProperty("expires_at", out _));

        using HttpResponseMessage code = await tenant.Client.GetAsync($"/api/pci/tokens/{tokenId}/security-code");
        Assert.True((await code.Content.ReadFromJsonAsync()).GetProperty("security_code_available").GetBoolean());
        Assert.DoesNotContain(TestCards.Visa, app.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Complete_Twice_SecondIs409_AndOnlyOneTokenExists()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        Guid sessionId = await OpenSessionAsync(tenant);

        using HttpResponseMessage first = await CompleteAsync(sessionId, Card());
        using HttpResponseMessage replay = await CompleteAsync(sessionId, Card(TestCards.Mastercard));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await GuardianAssert.ErrorAsync(replay, HttpStatusCode.Conflict, "CONFLICT", "Session already completed");
        using HttpResponseMessage list = await tenant.Client.GetAsync("/api/pci/tokens");
        JsonElement data = (await list.Content.ReadFromJsonAsync()).GetProperty("data");
        Assert.Equal(1, data.GetArrayLength());
        Assert.EndsWith("1111", data[0].GetProperty("card").GetProperty("masked_account_number").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Complete_AfterTtl_Is410_StatusExpired_AndNoToken()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        Guid sessionId = await OpenSessionAsync(tenant);

        app.Clock.Advance(TimeSpan.FromMinutes(15));
        try
        {
            using HttpResponseMessage late = await CompleteAsync(sessionId, Card());
            await GuardianAssert.ErrorAsync(late, HttpStatusCode.Gone, "SESSION_EXPIRED", "Session expired");
            Assert.Equal("expired", (await GetSessionAsync(tenant, sessionId)).GetProperty("status").GetString());

            using HttpClient browser = app.CreateClient();
            using HttpResponseMessage form = await browser.GetAsync($"/sessions/{sessionId}/form");
            Assert.Equal(HttpStatusCode.Gone, form.StatusCode);
            Assert.Contains("expired", await form.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            app.Clock.Advance(TimeSpan.FromMinutes(-15));
        }

        using HttpResponseMessage list = await tenant.Client.GetAsync("/api/pci/tokens");
        Assert.Equal(0, (await list.Content.ReadFromJsonAsync()).GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task OtherTenant_CannotReadTheSession_UnknownSessionIs404()
    {
        TestTenant owner = await app.CreateTenantAsync();
        TestTenant other = await app.CreateTenantAsync();
        Guid sessionId = await OpenSessionAsync(owner);

        using HttpResponseMessage crossTenant = await other.Client.GetAsync($"/api/sessions/{sessionId}");
        using HttpResponseMessage unknown = await owner.Client.GetAsync($"/api/sessions/{Guid.NewGuid()}");
        using HttpResponseMessage malformed = await owner.Client.GetAsync("/api/sessions/not-a-uuid");
        using HttpResponseMessage unknownCompletion = await CompleteAsync(Guid.NewGuid(), Card());
        using HttpClient anonymous = app.CreateClient();
        using HttpResponseMessage noKey = await anonymous.GetAsync($"/api/sessions/{sessionId}");

        await GuardianAssert.ErrorAsync(crossTenant, HttpStatusCode.NotFound, "NOT_FOUND");
        await GuardianAssert.ErrorAsync(unknown, HttpStatusCode.NotFound, "NOT_FOUND");
        await GuardianAssert.ErrorAsync(malformed, HttpStatusCode.NotFound, "NOT_FOUND");
        await GuardianAssert.ErrorAsync(unknownCompletion, HttpStatusCode.NotFound, "NOT_FOUND", "Session not found");
        await GuardianAssert.ErrorAsync(noKey, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        Assert.Equal("created", (await GetSessionAsync(owner, sessionId)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Complete_InvalidCard_422WithFieldPaths_AndCountsTheAttempt()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        Guid sessionId = await OpenSessionAsync(tenant);

        using HttpResponseMessage badLuhn = await CompleteAsync(sessionId, Card("4111111111111112"));
        using HttpResponseMessage badExpiry = await CompleteAsync(sessionId, Card(month: 13));
        using HttpResponseMessage badCode = await CompleteAsync(sessionId, Card(TestCards.Amex, securityCode: "12345"));
        using HttpResponseMessage missing = await CompleteAsync(sessionId, new { expiry_month = 12, expiry_year = Year });
        using HttpResponseMessage wrongType = await CompleteAsync(sessionId, new { account_number = TestCards.Visa, expiry_month = "12", expiry_year = Year });

        await GuardianAssert.ValidationAsync(badLuhn, "$.account_number");
        Assert.Equal("4", badLuhn.Headers.GetValues("x-attempts-remaining").Single());
        await GuardianAssert.ValidationAsync(badExpiry, "$.expiry_month");
        await GuardianAssert.ValidationAsync(badCode, "$.security_code");
        await GuardianAssert.ValidationAsync(missing, "$.account_number");
        await GuardianAssert.ValidationAsync(wrongType, "$.expiry_month");
        Assert.DoesNotContain("4111111111111112", await badLuhn.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Card-rule failures count against the session; malformed requests (missing field, wrong type) do not.
        Assert.Equal(2, (await GetSessionAsync(tenant, sessionId)).GetProperty("attempts_remaining").GetInt32());
    }

    [Fact]
    public async Task Complete_TooManyFailedAttempts_LocksTheSession()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        Guid sessionId = await OpenSessionAsync(tenant);

        for (int attempt = 1; attempt <= 5; attempt++)
        {
            using HttpResponseMessage failed = await CompleteAsync(sessionId, Card("4111111111111112"));
            await GuardianAssert.ValidationAsync(failed, "$.account_number");
            Assert.Equal((5 - attempt).ToString(System.Globalization.CultureInfo.InvariantCulture), failed.Headers.GetValues("x-attempts-remaining").Single());
        }

        using HttpResponseMessage valid = await CompleteAsync(sessionId, Card());
        await GuardianAssert.ErrorAsync(valid, HttpStatusCode.Gone, "SESSION_LOCKED");
        JsonElement session = await GetSessionAsync(tenant, sessionId);
        Assert.Equal("locked", session.GetProperty("status").GetString());
        Assert.Equal(0, session.GetProperty("attempts_remaining").GetInt32());
    }

    [Fact]
    public async Task Complete_PerClientIpLimit_Returns429WithRetryAfter()
    {
        using WebApplicationFactory<Program> limited = app.WithWebHostBuilder(b => b.UseSetting("Strongroom:HostedForm:PermitLimitPerClient", "3"));
        using HttpClient browser = limited.CreateClient();
        Guid sessionId = Guid.NewGuid();

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (int i = 0; i < 4; i++)
        {
            last?.Dispose();
            last = await browser.PostAsJsonAsync($"/sessions/{sessionId}/complete", Card());
            statuses.Add(last.StatusCode);
        }

        Assert.Equal([HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.TooManyRequests], statuses);
        await GuardianAssert.ErrorAsync(last!, HttpStatusCode.TooManyRequests, "TOO_MANY_REQUESTS");
        Assert.True(last!.Headers.RetryAfter is not null);
        last.Dispose();
    }

    [Fact]
    public async Task Complete_OversizedBody_Is413_AndNotCounted()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        Guid sessionId = await OpenSessionAsync(tenant);
        string huge = "{\"account_number\":\"4111111111111111\",\"pad\":\"" + new string('x', 5000) + "\"}";

        using HttpClient browser = app.CreateClient();
        using HttpResponseMessage response = await browser.PostAsync($"/sessions/{sessionId}/complete", new StringContent(huge, Encoding.UTF8, "application/json"));

        await GuardianAssert.ErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE");
        Assert.Equal(5, (await GetSessionAsync(tenant, sessionId)).GetProperty("attempts_remaining").GetInt32());
    }

    [Fact]
    public async Task SecurityCodeSession_CompletesWithOnlyTheCode()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        Guid tokenId = Guid.Parse(await tenant.TokenizeIdAsync(TestCards.PanSource(TestCards.Amex, securityCode: null)));
        using HttpResponseMessage opened = await tenant.Client.PostAsync($"/api/pci/tokens/{tokenId}/security-code", JsonContent.Create(new { }));
        Guid sessionId = (await opened.Content.ReadFromJsonAsync()).GetProperty("session_id").GetGuid();

        using HttpResponseMessage wrongLength = await CompleteAsync(sessionId, new { security_code = "12" });
        using HttpResponseMessage completed = await CompleteAsync(sessionId, new { security_code = "1234" });

        await GuardianAssert.ValidationAsync(wrongLength, "$.security_code");
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        Assert.Equal(tokenId, (await completed.Content.ReadFromJsonAsync()).GetProperty("pci_token_id").GetGuid());
        JsonElement session = await GetSessionAsync(tenant, sessionId);
        Assert.Equal("security_code", session.GetProperty("kind").GetString());
        Assert.Equal("completed", session.GetProperty("status").GetString());
        using HttpResponseMessage available = await tenant.Client.GetAsync($"/api/pci/tokens/{tokenId}/security-code");
        Assert.True((await available.Content.ReadFromJsonAsync()).GetProperty("security_code_available").GetBoolean());
    }

    [Fact]
    public async Task Form_OpenSession_ServesSelfContainedPageUnderStrictCsp()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        Guid sessionId = await OpenSessionAsync(tenant);
        using HttpClient browser = app.CreateClient();

        using HttpResponseMessage form = await browser.GetAsync($"/sessions/{sessionId}/form");

        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        Assert.Equal("text/html", form.Content.Headers.ContentType?.MediaType);
        string csp = form.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Equal("DENY", form.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-store", form.Headers.CacheControl?.ToString());
        string html = await form.Content.ReadAsStringAsync();
        Assert.Contains($"data-session-id=\"{sessionId}\"", html, StringComparison.Ordinal);
        Assert.Contains("data-state=\"open\"", html, StringComparison.Ordinal);
        Assert.Contains("<label for=\"card-number\">", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal); // no inline script: CSP forbids it

        using HttpResponseMessage script = await browser.GetAsync("/sessions/assets/form.js");
        using HttpResponseMessage style = await browser.GetAsync("/sessions/assets/form.css");
        using HttpResponseMessage missing = await browser.GetAsync("/sessions/assets/other.js");
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.Contains("luhn", await script.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("text/css", style.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Form_UnknownOrUsedSession_ExplainsWhy()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        Guid sessionId = await OpenSessionAsync(tenant);
        (await CompleteAsync(sessionId, Card())).Dispose();
        using HttpClient browser = app.CreateClient();

        using HttpResponseMessage used = await browser.GetAsync($"/sessions/{sessionId}/form");
        using HttpResponseMessage unknown = await browser.GetAsync($"/sessions/{Guid.NewGuid()}/form");

        Assert.Equal(HttpStatusCode.Conflict, used.StatusCode);
        Assert.Contains("already been used", await used.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("data-state=\"unavailable\"", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllowedOrigins_DriveFrameAncestorsReturnUrlAndCors()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        using HttpClient admin = app.AdminClient();
        using HttpResponseMessage put = await admin.PutAsJsonAsync($"/api/admin/tenants/{tenant.Id}/hosted-form", new { allowed_origins = new[] { "https://Shop.Example", "https://pay.example:8443" } });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(["https://shop.example", "https://pay.example:8443"], (await put.Content.ReadFromJsonAsync()).GetProperty("allowed_origins").EnumerateArray().Select(e => e.GetString()));
        Guid sessionId = await OpenSessionAsync(tenant);
        using HttpClient browser = app.CreateClient();

        using HttpResponseMessage framed = await browser.GetAsync($"/sessions/{sessionId}/form?return_url=" + Uri.EscapeDataString("https://shop.example/thanks?a=1&b=\"x\""));
        Assert.Equal(HttpStatusCode.OK, framed.StatusCode);
        Assert.Contains("frame-ancestors https://shop.example https://pay.example:8443", framed.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.False(framed.Headers.Contains("X-Frame-Options"));
        string html = await framed.Content.ReadAsStringAsync();
        Assert.Contains("data-return-url=\"https://shop.example/thanks?a=1&amp;b=&quot;x&quot;\"", html, StringComparison.Ordinal);

        using HttpResponseMessage foreignReturn = await browser.GetAsync($"/sessions/{sessionId}/form?return_url=" + Uri.EscapeDataString("https://evil.example/"));
        Assert.Equal(HttpStatusCode.BadRequest, foreignReturn.StatusCode);

        using var allowedPreflight = new HttpRequestMessage(HttpMethod.Options, $"/sessions/{sessionId}/complete");
        allowedPreflight.Headers.Add("Origin", "https://shop.example");
        allowedPreflight.Headers.Add("Access-Control-Request-Method", "POST");
        using HttpResponseMessage allowed = await browser.SendAsync(allowedPreflight);
        Assert.Equal(HttpStatusCode.NoContent, allowed.StatusCode);
        Assert.Equal("https://shop.example", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());

        using var foreignPreflight = new HttpRequestMessage(HttpMethod.Options, $"/sessions/{sessionId}/complete");
        foreignPreflight.Headers.Add("Origin", "https://evil.example");
        using HttpResponseMessage foreign = await browser.SendAsync(foreignPreflight);
        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.False(foreign.Headers.Contains("Access-Control-Allow-Origin"));

        using var crossOrigin = new HttpRequestMessage(HttpMethod.Post, $"/sessions/{sessionId}/complete") { Content = JsonContent.Create(Card()) };
        crossOrigin.Headers.Add("Origin", "https://shop.example");
        using HttpResponseMessage completed = await browser.SendAsync(crossOrigin);
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        Assert.Equal("https://shop.example", completed.Headers.GetValues("Access-Control-Allow-Origin").Single());

        using HttpResponseMessage read = await admin.GetAsync($"/api/admin/tenants/{tenant.Id}/hosted-form");
        Assert.Equal(2, (await read.Content.ReadFromJsonAsync()).GetProperty("allowed_origins").GetArrayLength());
    }

    [Fact]
    public async Task AllowedOrigins_BadOriginOrTenantKey_Refused()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        using HttpClient admin = app.AdminClient();

        using HttpResponseMessage wildcard = await admin.PutAsJsonAsync($"/api/admin/tenants/{tenant.Id}/hosted-form", new { allowed_origins = new[] { "https://ok.example", "https://*.example" } });
        using HttpResponseMessage plainHttp = await admin.PutAsJsonAsync($"/api/admin/tenants/{tenant.Id}/hosted-form", new { allowed_origins = new[] { "http://shop.example" } });
        using HttpResponseMessage notArray = await admin.PutAsJsonAsync($"/api/admin/tenants/{tenant.Id}/hosted-form", new { allowed_origins = "https://shop.example" });
        using HttpResponseMessage unknownTenant = await admin.PutAsJsonAsync($"/api/admin/tenants/{Guid.NewGuid()}/hosted-form", new { allowed_origins = Array.Empty<string>() });
        using HttpResponseMessage byTenantKey = await tenant.Client.PutAsJsonAsync($"/api/admin/tenants/{tenant.Id}/hosted-form", new { allowed_origins = Array.Empty<string>() });

        await GuardianAssert.ValidationAsync(wildcard, "$.allowed_origins[1]");
        await GuardianAssert.ValidationAsync(plainHttp, "$.allowed_origins[0]");
        await GuardianAssert.ValidationAsync(notArray, "$.allowed_origins");
        await GuardianAssert.ErrorAsync(unknownTenant, HttpStatusCode.NotFound, "NOT_FOUND");
        await GuardianAssert.ErrorAsync(byTenantKey, HttpStatusCode.Forbidden, "FORBIDDEN");
        using HttpResponseMessage read = await admin.GetAsync($"/api/admin/tenants/{tenant.Id}/hosted-form");
        Assert.Equal(0, (await read.Content.ReadFromJsonAsync()).GetProperty("allowed_origins").GetArrayLength()); // nothing half-written
    }
}
