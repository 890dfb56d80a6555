using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Strongroom.Server.Tests;

/// <summary>
/// The audit log end to end: the admin, WhiteBIT and network-token actions that write it (actor, action, tenant,
/// target), <c>GET /api/audit</c> with its filters, paging and validation, admin-only access, the absence of card
/// data and secrets from every entry, <c>GET /api/audit/verify</c>, and <c>strongroom audit verify</c> as a real
/// process before and after the SQLite file is tampered with.
/// </summary>
public sealed class AuditApiTests(StrongroomApplication app) : IClassFixture<StrongroomApplication>
{
    private const string Audit = "/api/audit";
    private const string CreateSub = "/api/v4/sub-account/create";
    private const string CreateKey = "/api/v4/sub-account/api-key/create";
    private const string EditKey = "/api/v4/sub-account/api-key/edit";
    private const string ResetKey = "/api/v4/sub-account/api-key/reset";
    private const string DeleteKey = "/api/v4/sub-account/api-key/delete";

    private static readonly string[] DataOutScopes = ["tokens:create", "tokens:read", "tokens:delete", "data:out"];

    // ---------------------------------------------------------------- hooks

    [Fact]
    public async Task AdminActions_AreRecorded_WithActorActionTenantAndTarget()
    {
        using HttpClient admin = app.AdminClient();
        using HttpResponseMessage tenantResponse = await admin.PostAsJsonAsync("/api/admin/tenants", new { name = "Audited" });
        Guid tenantId = (await tenantResponse.Content.ReadFromJsonAsync()).GetProperty("id").GetGuid();
        using HttpResponseMessage keyResponse = await admin.PostAsJsonAsync("/api/admin/api-keys", new { tenant_id = tenantId, scopes = new[] { "tokens:read" }, expires_in = 3600 });
        string keyId = (await keyResponse.Content.ReadFromJsonAsync()).GetProperty("id").GetString()!;
        using HttpResponseMessage revoke = await admin.DeleteAsync($"/api/admin/tenants/{tenantId}/api-keys/{keyId}");
        using HttpResponseMessage revokeAgain = await admin.DeleteAsync($"/api/admin/tenants/{tenantId}/api-keys/no-such-key");
        using HttpResponseMessage signing = await admin.PostAsJsonAsync("/api/admin/signing-keys", new { tenant_id = tenantId, type = 2 });
        JsonElement signingKey = await signing.Content.ReadFromJsonAsync();
        using HttpResponseMessage form = await admin.PutAsJsonAsync($"/api/admin/tenants/{tenantId}/hosted-form", new { allowed_origins = new[] { "https://shop.example", "https://pay.example:8443" } });
        using HttpResponseMessage invalidForm = await admin.PutAsJsonAsync($"/api/admin/tenants/{tenantId}/hosted-form", new { allowed_origins = "nope" });

        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, revokeAgain.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalidForm.StatusCode);
        List<JsonElement> entries = await EntriesAsync($"{Audit}?tenant_id={tenantId}");
        Assert.Equal(["tenant.created", "api_key.created", "api_key.revoked", "signing_key.created", "hosted_form.updated"], entries.Select(e => e.GetProperty("action").GetString()));
        Assert.All(entries, e => Assert.Equal("admin", e.GetProperty("actor").GetString()));
        Assert.All(entries, e => Assert.Equal(tenantId, e.GetProperty("tenant_id").GetGuid()));
        Assert.Equal(tenantId.ToString(), entries[0].GetProperty("target").GetString());
        Assert.Equal(keyId, entries[1].GetProperty("target").GetString());
        Assert.Equal("tokens:read", entries[1].GetProperty("details").GetProperty("scopes").GetString());
        Assert.Equal("3600", entries[1].GetProperty("details").GetProperty("expires_in").GetString());
        Assert.Equal(keyId, entries[2].GetProperty("target").GetString());
        Assert.Equal(signingKey.GetProperty("id").GetString(), entries[3].GetProperty("target").GetString());
        Assert.Equal("2", entries[3].GetProperty("details").GetProperty("type").GetString());
        Assert.Equal(signingKey.GetProperty("api_key").GetString()![..12], entries[3].GetProperty("details").GetProperty("public_key").GetString());
        Assert.Equal("https://shop.example https://pay.example:8443", entries[4].GetProperty("details").GetProperty("allowed_origins").GetString());

        JsonElement first = entries[0];
        Assert.Equal(["seq", "id", "at", "actor", "action", "tenant_id", "target", "details", "hash", "sealed"], first.EnumerateObject().Select(p => p.Name));
        Assert.Matches("^[0-9a-f]{64}$", first.GetProperty("hash").GetString());
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", first.GetProperty("at").GetString());
        Assert.Equal(first.GetProperty("seq").GetInt64() % 16 == 0, first.GetProperty("sealed").GetBoolean());
        Assert.All(entries.Zip(entries.Skip(1)), pair => Assert.True(pair.First.GetProperty("seq").GetInt64() < pair.Second.GetProperty("seq").GetInt64()));
    }

    [Fact]
    public async Task WhiteBitSubAccountAndKeyChanges_AreRecorded_AsTheSigningKey()
    {
        (Guid accountId, WhiteBitSigner signer) = await WhiteBitSigner.CreateAccountAsync(app);
        using HttpResponseMessage sub = await signer.PostAsync(CreateSub, new { alias = "desk" });
        string subId = (await sub.Content.ReadFromJsonAsync()).GetProperty("id").GetString()!;
        using HttpResponseMessage created = await signer.PostAsync(CreateKey, new { type = 1, subAccountId = subId, title = "bot" });
        string keyId = (await created.Content.ReadFromJsonAsync()).GetProperty("id").GetString()!;
        using HttpResponseMessage edited = await signer.PostAsync(EditKey, new { subAccountId = subId, apiKeyId = keyId, isEnabled = false, restrictAccess = true, accessEndpoints = new[] { new { name = CreateKey } } });
        using HttpResponseMessage reset = await signer.PostAsync(ResetKey, new { subAccountId = subId, apiKeyId = keyId });
        using HttpResponseMessage deleted = await signer.PostAsync(DeleteKey, new { subAccountId = subId, apiKeyId = keyId });
        using HttpResponseMessage deletedAgain = await signer.PostAsync(DeleteKey, new { subAccountId = subId, apiKeyId = keyId });

        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, deletedAgain.StatusCode);
        string actor = "signing-key:" + signer.ApiKey[..12];
        List<JsonElement> entries = await EntriesAsync($"{Audit}?actor={Uri.EscapeDataString(actor)}");
        Assert.Equal(["sub_account.created", "signing_key.created", "signing_key.edited", "signing_key.secret_reset", "signing_key.deleted"], entries.Select(e => e.GetProperty("action").GetString()));
        Assert.All(entries, e => Assert.Equal(subId, e.GetProperty("tenant_id").GetString()));
        Assert.Equal(subId, entries[0].GetProperty("target").GetString());
        Assert.Equal(accountId.ToString(), entries[0].GetProperty("details").GetProperty("account_id").GetString());
        Assert.All(entries.Skip(1), e => Assert.Equal(keyId, e.GetProperty("target").GetString()));
        Assert.Equal("1", entries[1].GetProperty("details").GetProperty("type").GetString());
        JsonElement edit = entries[2].GetProperty("details");
        Assert.Equal("false", edit.GetProperty("is_enabled").GetString());
        Assert.Equal("true", edit.GetProperty("restrict_access").GetString());
        Assert.Equal(CreateKey, edit.GetProperty("access_endpoints").GetString());
        Assert.DoesNotContain(signer.ApiKey, actor, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CryptogramIssuance_AndSimulatorEvents_AreRecorded_WithoutTheCryptogramOrTokenNumber()
    {
        TestTenant tenant = await app.CreateTenantAsync("Merchant", DataOutScopes);
        Guid tokenId = await CreateNetworkTokenAsync(tenant);
        using HttpResponseMessage value = await tenant.Client.PostAsJsonAsync($"/api/network/tokens/{tokenId}/cryptograms", new { amount = 1999, currency = "EUR", mode = "value" });
        JsonElement cryptogram = await value.Content.ReadFromJsonAsync();
        using HttpResponseMessage reference = await tenant.Client.PostAsJsonAsync($"/api/network/tokens/{tokenId}/cryptograms", new { mode = "reference" });
        using HttpClient admin = app.AdminClient(tenant.Id);
        using HttpResponseMessage authorize = await admin.PostAsJsonAsync($"/api/simulator/network-tokens/{tokenId}/authorize",
            new { cryptogram = cryptogram.GetProperty("cryptogram").GetString(), amount = 1999, currency = "EUR" });
        using HttpResponseMessage suspend = await admin.PostAsJsonAsync($"/api/simulator/network-tokens/{tokenId}/events", new { @event = "suspend", party = "issuer" });

        Assert.Equal(HttpStatusCode.OK, value.StatusCode);
        Assert.Equal(HttpStatusCode.OK, reference.StatusCode);
        Assert.Equal(HttpStatusCode.OK, authorize.StatusCode);
        Assert.Equal(HttpStatusCode.OK, suspend.StatusCode);
        List<JsonElement> entries = await EntriesAsync($"{Audit}?tenant_id={tenant.Id}");
        string apiKeyActor = "api-key:" + KeyId(tenant.ApiKey);
        Assert.Equal(["tenant.created", "api_key.created", "network_token.cryptogram_issued", "network_token.cryptogram_issued", "simulator.cryptogram_authorized", "simulator.network_token_event"],
            entries.Select(e => e.GetProperty("action").GetString()));
        Assert.Equal(["admin", "admin", apiKeyActor, apiKeyActor, "admin", "admin"], entries.Select(e => e.GetProperty("actor").GetString()));

        JsonElement issued = entries[2];
        Assert.Equal(tokenId.ToString(), issued.GetProperty("target").GetString());
        Assert.Equal(["mode", "amount", "currency"], issued.GetProperty("details").EnumerateObject().Select(p => p.Name));
        Assert.Equal("value", issued.GetProperty("details").GetProperty("mode").GetString());
        Assert.Equal("1999", issued.GetProperty("details").GetProperty("amount").GetString());
        Assert.Equal("EUR", issued.GetProperty("details").GetProperty("currency").GetString());
        Assert.Equal("reference", entries[3].GetProperty("details").GetProperty("mode").GetString());
        Assert.Equal("valid", entries[4].GetProperty("details").GetProperty("result").GetString());
        Assert.Equal("suspend", entries[5].GetProperty("details").GetProperty("event").GetString());
        Assert.Equal("issuer", entries[5].GetProperty("details").GetProperty("party").GetString());
    }

    [Fact]
    public async Task NoEntryOrResponse_HoldsCardDataOrSecrets()
    {
        // Every kind of secret the audited calls handle: the card, its code, the cryptogram and token number, API keys and secrets.
        TestTenant tenant = await app.CreateTenantAsync("Merchant", DataOutScopes);
        const string securityCode = "987";
        Guid tokenId = await CreateNetworkTokenAsync(tenant, TestCards.Mastercard, securityCode);
        using HttpResponseMessage value = await tenant.Client.PostAsJsonAsync($"/api/network/tokens/{tokenId}/cryptograms", new { amount = 5, currency = "USD" });
        JsonElement cryptogram = await value.Content.ReadFromJsonAsync();
        (_, WhiteBitSigner signer) = await WhiteBitSigner.CreateAccountAsync(app);
        using HttpResponseMessage sub = await signer.PostAsync(CreateSub, new { alias = "scan" });
        string subId = (await sub.Content.ReadFromJsonAsync()).GetProperty("id").GetString()!;
        using HttpResponseMessage created = await signer.PostAsync(CreateKey, new { type = 2, subAccountId = subId });
        JsonElement subKey = await created.Content.ReadFromJsonAsync();
        using HttpResponseMessage reset = await signer.PostAsync(ResetKey, new { subAccountId = subId, apiKeyId = subKey.GetProperty("id").GetString() });
        JsonElement resetKey = await reset.Content.ReadFromJsonAsync();

        string[] secrets =
        [
            TestCards.Mastercard, TestCards.Visa,
            cryptogram.GetProperty("cryptogram").GetString()!, cryptogram.GetProperty("number").GetString()!,
            tenant.ApiKey, tenant.ApiKey[(tenant.ApiKey.IndexOf('.', StringComparison.Ordinal) + 1)..],
            signer.ApiSecret, signer.ApiKey, subKey.GetProperty("apiSecret").GetString()!, subKey.GetProperty("apiKey").GetString()!,
            resetKey.GetProperty("apiSecret").GetString()!, StrongroomApplication.AdminToken,
        ];
        string[] shortSecrets = [securityCode, cryptogram.GetProperty("dynamic_cvv").GetString()!];

        using HttpClient admin = app.AdminClient();
        var pages = new List<string>();
        for (string? next = $"{Audit}?limit=500"; next is not null;)
        {
            using HttpResponseMessage response = await admin.GetAsync(next);
            string text = await response.Content.ReadAsStringAsync();
            pages.Add(text);
            next = JsonDocument.Parse(text).RootElement.GetProperty("links").TryGetProperty("next", out JsonElement link) ? link.GetString() : null;
        }

        string all = string.Join('\n', pages);
        Assert.Contains("network_token.cryptogram_issued", all, StringComparison.Ordinal);
        Assert.Contains("signing_key.secret_reset", all, StringComparison.Ordinal);
        Assert.All(secrets, secret => Assert.DoesNotContain(secret, all, StringComparison.Ordinal));

        // Short codes occur by chance inside hashes, ids and times: check the human-readable fields instead.
        IEnumerable<string> fields = pages.SelectMany(p => JsonDocument.Parse(p).RootElement.GetProperty("data").EnumerateArray().ToList())
            .SelectMany(e => new[] { e.GetProperty("actor").GetString(), e.GetProperty("action").GetString(), e.GetProperty("target").ToString() }
                .Concat(e.GetProperty("details").EnumerateObject().Select(p => p.Value.ToString())))
            .OfType<string>();
        Assert.All(fields, field => Assert.All(shortSecrets, code => Assert.NotEqual(code, field)));
        // A card number would stand as its own run of digits (or in a separator form the one detector reads); a hex id such as a
        // key's public id ("5978326946542ed2") holds a long digit run by chance, glued to its letters.
        Assert.All(fields, field => Assert.DoesNotMatch(@"(?<![0-9A-Za-z])\d{13,19}(?![0-9A-Za-z])", field));
        Assert.All(fields, field => Assert.DoesNotContain(TestCards.Mastercard, field.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal), StringComparison.Ordinal));
        Assert.All(app.Logs.Entries, line => Assert.DoesNotContain(TestCards.Mastercard, line, StringComparison.Ordinal));
    }

    // ---------------------------------------------------------------- listing

    [Fact]
    public async Task Filters_Combine_AndPagingFollowsTheNextLink()
    {
        TestTenant tenant = await app.CreateTenantAsync("Pager");
        using HttpClient admin = app.AdminClient();
        for (int i = 0; i < 4; i++)
        {
            await app.CreateApiKeyAsync(tenant.Id);
        }

        List<JsonElement> all = await EntriesAsync($"{Audit}?tenant_id={tenant.Id}");
        Assert.Equal(6, all.Count); // the tenant, its first key, four more keys

        var paged = new List<JsonElement>();
        var links = new List<string>();
        for (string? next = $"{Audit}?tenant_id={tenant.Id}&action=api_key.created&limit=2"; next is not null;)
        {
            links.Add(next);
            using HttpResponseMessage response = await admin.GetAsync(next);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            JsonElement body = await response.Content.ReadFromJsonAsync();
            JsonElement[] data = [.. body.GetProperty("data").EnumerateArray()];
            Assert.InRange(data.Length, 1, 2);
            paged.AddRange(data);
            next = body.GetProperty("links").TryGetProperty("next", out JsonElement link) ? link.GetString() : null;
        }

        Assert.Equal(5, paged.Count);
        Assert.Equal(all.Skip(1).Select(e => e.GetProperty("seq").GetInt64()), paged.Select(e => e.GetProperty("seq").GetInt64()));
        Assert.Equal(3, links.Count);
        Assert.All(links.Skip(1), link => Assert.Contains($"tenant_id={tenant.Id}", link, StringComparison.Ordinal));
        Assert.All(links.Skip(1), link => Assert.Contains("action=api_key.created", link, StringComparison.Ordinal));

        long firstSeq = all[0].GetProperty("seq").GetInt64();
        Assert.Equal(all.Skip(3).Select(e => e.GetProperty("seq").GetInt64()),
            (await EntriesAsync($"{Audit}?tenant_id={tenant.Id}&after={firstSeq + 2}")).Select(e => e.GetProperty("seq").GetInt64()));
        Assert.Equal(2, (await EntriesAsync($"{Audit}?tenant_id={tenant.Id}&actor=admin&limit=2", followNext: false)).Count);
        Assert.Empty(await EntriesAsync($"{Audit}?tenant_id={tenant.Id}&actor=api-key:nobody"));

        string at = all[0].GetProperty("at").GetString()!;
        DateTimeOffset created = DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(6, (await EntriesAsync($"{Audit}?tenant_id={tenant.Id}&from={Uri.EscapeDataString(at)}")).Count);
        Assert.Empty(await EntriesAsync($"{Audit}?tenant_id={tenant.Id}&to={Uri.EscapeDataString(at)}"));
        Assert.Empty(await EntriesAsync($"{Audit}?tenant_id={tenant.Id}&from={Uri.EscapeDataString(created.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'", System.Globalization.CultureInfo.InvariantCulture))}"));
    }

    [Theory]
    [InlineData("limit=0", "$.query.limit")]
    [InlineData("limit=501", "$.query.limit")]
    [InlineData("limit=ten", "$.query.limit")]
    [InlineData("after=-1", "$.query.after")]
    [InlineData("after=abc", "$.query.after")]
    [InlineData("tenant_id=not-a-uuid", "$.query.tenant_id")]
    [InlineData("from=yesterday", "$.query.from")]
    [InlineData("from=2031-03-10", "$.query.from")]
    [InlineData("to=2031-03-10T09:00:00", "$.query.to")]
    [InlineData("from=2031-03-10T10:00:00Z&to=2031-03-10T09:00:00Z", "$.query.to")]
    [InlineData("action=", "$.query.action")]
    public async Task BadQueryValues_Are422WithTheirPath(string query, string path)
    {
        using HttpClient admin = app.AdminClient();

        using HttpResponseMessage response = await admin.GetAsync($"{Audit}?{query}");

        await GuardianAssert.ValidationAsync(response, path);
    }

    [Fact]
    public async Task OnlyTheAdminToken_MayReadOrVerify()
    {
        TestTenant tenant = await app.CreateTenantAsync("Nosy", DataOutScopes);
        using HttpClient anonymous = app.CreateClient();

        using HttpResponseMessage list = await tenant.Client.GetAsync(Audit);
        using HttpResponseMessage verify = await tenant.Client.GetAsync($"{Audit}/verify");
        using HttpResponseMessage noKey = await anonymous.GetAsync(Audit);

        await GuardianAssert.ErrorAsync(list, HttpStatusCode.Forbidden, "FORBIDDEN");
        await GuardianAssert.ErrorAsync(verify, HttpStatusCode.Forbidden, "FORBIDDEN");
        await GuardianAssert.ErrorAsync(noKey, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }

    [Fact]
    public async Task Verify_SaysIntact()
    {
        await app.CreateTenantAsync("Verified");
        using HttpClient admin = app.AdminClient();

        using HttpResponseMessage response = await admin.GetAsync($"{Audit}/verify");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement body = await response.Content.ReadFromJsonAsync();
        Assert.True(body.GetProperty("intact").GetBoolean(), body.GetRawText());
        Assert.True(body.GetProperty("checked").GetInt64() >= 2);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("broken_at_seq").ValueKind);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("problem").ValueKind);
        Assert.Equal(body.GetProperty("checked").GetInt64() / 16, body.GetProperty("sealed").GetInt64());
    }

    // ---------------------------------------------------------------- CLI

    [Fact]
    public async Task CliAuditVerify_ExitsZeroWhenIntact_AndOneNamingTheSeqAfterTampering()
    {
        using var server = new StrongroomApplication();
        for (int i = 0; i < 3; i++)
        {
            await server.CreateTenantAsync("Cli " + i);
        }

        (int intactExit, string intactOutput) = await RunCliAsync(server.DataDirectory, "audit", "verify");

        Assert.True(intactExit == 0, intactOutput);
        Assert.Contains("intact", intactOutput, StringComparison.Ordinal);
        Assert.Contains("checked 6 entries, 0 sealed", intactOutput, StringComparison.Ordinal);

        await using (var connection = new SqliteConnection($"Data Source={server.DatabasePath}"))
        {
            await connection.OpenAsync();
            await using SqliteCommand command = connection.CreateCommand();
            command.CommandText = "UPDATE audit_log SET actor = 'api-key:framed' WHERE seq = 4";
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        (int tamperedExit, string tamperedOutput) = await RunCliAsync(server.DataDirectory, "audit", "verify");

        Assert.Equal(1, tamperedExit);
        Assert.Contains("seq 4", tamperedOutput, StringComparison.Ordinal);
        Assert.Contains("altered", tamperedOutput, StringComparison.Ordinal);
        using HttpClient admin = server.AdminClient();
        JsonElement verification = await (await admin.GetAsync($"{Audit}/verify")).Content.ReadFromJsonAsync();
        Assert.False(verification.GetProperty("intact").GetBoolean());
        Assert.Equal(4, verification.GetProperty("broken_at_seq").GetInt64());
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>Every entry of a listing, following links.next unless told not to.</summary>
    private async Task<List<JsonElement>> EntriesAsync(string url, bool followNext = true)
    {
        using HttpClient admin = app.AdminClient();
        var entries = new List<JsonElement>();
        for (string? next = url; next is not null;)
        {
            using HttpResponseMessage response = await admin.GetAsync(next);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            JsonElement body = await response.Content.ReadFromJsonAsync();
            entries.AddRange(body.GetProperty("data").EnumerateArray());
            next = followNext && body.GetProperty("links").TryGetProperty("next", out JsonElement link) ? link.GetString() : null;
        }

        return entries;
    }

    private static string KeyId(string apiKey) => apiKey["srk_".Length..apiKey.IndexOf('.', StringComparison.Ordinal)];

    private static async Task<Guid> CreateNetworkTokenAsync(TestTenant tenant, string pan = TestCards.Visa, string securityCode = "123")
    {
        using HttpResponseMessage response = await tenant.Client.PostAsJsonAsync("/api/network/tokens", new { source = TestCards.PanSource(pan, securityCode: securityCode) });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync()).GetProperty("id").GetGuid();
    }

    private static async Task<(int ExitCode, string Output)> RunCliAsync(string dataDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dataDirectory,
        };
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["Strongroom__Storage__DataDirectory"] = dataDirectory;
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
