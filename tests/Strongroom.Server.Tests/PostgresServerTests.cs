using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Strongroom.Core.Operations;
using Strongroom.Core.Storage;

namespace Strongroom.Server.Tests;

/// <summary>
/// One application on <c>Strongroom:Storage:Provider=postgres</c> over a fresh database, shared by the
/// tests of <see cref="PostgresServerTests"/> (each test isolates itself with its own tenants).
/// Without <c>STRONGROOM_TEST_POSTGRES</c> it holds only a skip reason; with <c>CI=true</c> it fails instead.
/// </summary>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    private StrongroomApplication? _app;

    /// <summary>Why the PostgreSQL server tests are skipped, or null when they run.</summary>
    public string? SkipReason { get; private set; }

    public StrongroomApplication App => _app ?? throw new InvalidOperationException(SkipReason ?? "Fixture not initialised.");

    public async Task InitializeAsync()
    {
        SkipReason = PostgresTestEnvironment.SkipReason();
        if (SkipReason is null)
        {
            _app = await StrongroomApplication.OnPostgresAsync();
        }
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}

/// <summary>
/// The HTTP pipeline end to end on PostgreSQL: token lifecycle, cursor paging, tenant isolation,
/// idempotency (replay, conflict, concurrent creates), expiry with the sweeper, readiness, and no card
/// data in any table after a workload. The same behaviours are covered on SQLite by the other classes.
/// </summary>
public sealed partial class PostgresServerTests : IClassFixture<PostgresServerFixture>
{
    private const string AmexSecurityCode = "8642";

    private static readonly string IdempotentBody = JsonSerializer.Serialize(new { source = TestCards.PanSource(), metadata = new { order = "A-1" } });

    private readonly PostgresServerFixture _fixture;

    public PostgresServerTests(PostgresServerFixture fixture)
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        _fixture = fixture;
    }

    private StrongroomApplication App => _fixture.App;

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")]
    private static partial Regex Rfc3339Seconds();

    // A standalone 8642: not inside a longer number, a hex string (bytea, uuid) or a uuid group.
    [GeneratedRegex(@"(?<![0-9a-fA-F-])8642(?![0-9a-fA-F-])")]
    private static partial Regex AmexCodeStandalone();

    [SkippableFact]
    public async Task Readyz_Returns200_AndTheApplicationRunsOnPostgres()
    {
        using HttpClient client = App.CreateClient();

        using HttpResponseMessage response = await client.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement body = await response.Content.ReadFromJsonAsync();
        Assert.Equal("ready", body.GetProperty("status").GetString());
        Assert.Equal("up", body.GetProperty("store").GetString());

        // Control: the configuration really reached the store, the schema is in this database and no SQLite file was made.
        Assert.Equal("postgres", App.Services.GetRequiredService<IVaultStore>().Engine);
        Assert.True(Convert.ToInt64(await App.Postgres!.ScalarAsync("SELECT count(*) FROM schema_migrations"), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.False(File.Exists(App.DatabasePath), "a SQLite database was created although the provider is postgres");
    }

    [SkippableFact]
    public async Task CreateToken_FromPan_Returns200WithTheSeedShape_AndStoresOneRow()
    {
        TestTenant tenant = await App.CreateTenantAsync();
        int year = DateTime.UtcNow.Year + 2;

        using HttpResponseMessage response = await tenant.Client.PostAsJsonAsync("/api/pci/tokens", new
        {
            source = new { type = "pan", account_number = TestCards.Visa, expiry_month = 12, expiry_year = year, security_code = "123", cardholder_name = "John Doe" },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement body = await response.Content.ReadFromJsonAsync();
        Assert.True(Guid.TryParse(body.GetProperty("id").GetString(), out Guid id));
        JsonElement card = body.GetProperty("card");
        Assert.Equal("John Doe", card.GetProperty("cardholder_name").GetString());
        Assert.Equal(12, card.GetProperty("expiry_month").GetInt32());
        Assert.Equal(year, card.GetProperty("expiry_year").GetInt32());
        Assert.Equal("411111******1111", card.GetProperty("masked_account_number").GetString());
        Assert.Equal("visa", card.GetProperty("scheme").GetString());
        Assert.Matches(Rfc3339Seconds(), body.GetProperty("created_at").GetString());
        Assert.False(body.TryGetProperty("expires_at", out _));
        Assert.False(body.TryGetProperty("metadata", out _));
        Assert.DoesNotContain(TestCards.Visa, body.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(1L, await App.Postgres!.ScalarAsync($"SELECT count(*) FROM pci_tokens WHERE id = '{id}' AND tenant_id = '{tenant.Id}'"));
    }

    [SkippableFact]
    public async Task GetToken_ReturnsMaskedTokenAsCreated()
    {
        TestTenant tenant = await App.CreateTenantAsync();
        JsonElement created = await PciTokenApiTests.CreateTokenAsync(tenant, new
        {
            source = TestCards.PanSource(TestCards.Amex, securityCode: "1234", name: "Ada Lovelace"),
            expires_in = 3600,
            metadata = new { k = "v" },
        });

        using HttpResponseMessage response = await tenant.Client.GetAsync($"/api/pci/tokens/{created.GetProperty("id").GetString()}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement body = await response.Content.ReadFromJsonAsync();
        Assert.Equal(created.GetRawText(), body.GetRawText());
        Assert.Equal("378282*****0005", body.GetProperty("card").GetProperty("masked_account_number").GetString());
        Assert.Equal("american express", body.GetProperty("card").GetProperty("scheme").GetString());
        Assert.Equal("Ada Lovelace", body.GetProperty("card").GetProperty("cardholder_name").GetString());
        Assert.Equal("v", body.GetProperty("metadata").GetProperty("k").GetString());
    }

    [SkippableFact]
    public async Task ListTokens_PagesWithCursorAndOmitsNextOnLastPage()
    {
        TestTenant tenant = await App.CreateTenantAsync();
        var ids = new List<string>();
        for (int i = 0; i < 5; i++)
        {
            ids.Add((await PciTokenApiTests.CreateTokenAsync(tenant, new { source = TestCards.PanSource() })).GetProperty("id").GetString()!);
        }

        var seen = new List<string>();
        string? next = "/api/pci/tokens?limit=2";
        int pages = 0;
        while (next is not null)
        {
            using HttpResponseMessage response = await tenant.Client.GetAsync(next);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            JsonElement body = await response.Content.ReadFromJsonAsync();
            seen.AddRange(body.GetProperty("data").EnumerateArray().Select(t => t.GetProperty("id").GetString()!));
            next = body.GetProperty("links").TryGetProperty("next", out JsonElement link) ? link.GetString() : null;
            if (next is not null)
            {
                Assert.Equal($"/api/pci/tokens?after={seen[^1]}&limit=2", next);
            }

            pages++;
        }

        // PostgreSQL orders uuid values bytewise, which is the ordinal order of their canonical lower-case text.
        Assert.Equal(3, pages);
        Assert.Equal(ids.Order(StringComparer.Ordinal), seen);

        using HttpResponseMessage past = await tenant.Client.GetAsync($"/api/pci/tokens?after={seen[^1]}");
        Assert.Equal(HttpStatusCode.OK, past.StatusCode);
        Assert.Empty((await past.Content.ReadFromJsonAsync()).GetProperty("data").EnumerateArray());
    }

    [SkippableFact]
    public async Task DeleteToken_Returns204_Then404()
    {
        TestTenant tenant = await App.CreateTenantAsync();
        string id = (await PciTokenApiTests.CreateTokenAsync(tenant, new { source = TestCards.PanSource() })).GetProperty("id").GetString()!;

        using HttpResponseMessage deleted = await tenant.Client.DeleteAsync($"/api/pci/tokens/{id}");
        using HttpResponseMessage read = await tenant.Client.GetAsync($"/api/pci/tokens/{id}");
        using HttpResponseMessage deletedAgain = await tenant.Client.DeleteAsync($"/api/pci/tokens/{id}");
        using HttpResponseMessage securityCode = await tenant.Client.GetAsync($"/api/pci/tokens/{id}/security-code");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await GuardianAssert.ErrorAsync(read, HttpStatusCode.NotFound, "NOT_FOUND");
        await GuardianAssert.ErrorAsync(deletedAgain, HttpStatusCode.NotFound, "NOT_FOUND");
        await GuardianAssert.ErrorAsync(securityCode, HttpStatusCode.NotFound, "NOT_FOUND");
        Assert.Equal(0L, await App.Postgres!.ScalarAsync($"SELECT count(*) FROM pci_tokens WHERE id = '{Guid.Parse(id)}'"));
    }

    [SkippableFact]
    public async Task TenantIsolation_OtherTenantsTokensAre404AndUnlisted()
    {
        TestTenant a = await App.CreateTenantAsync("A");
        TestTenant b = await App.CreateTenantAsync("B");
        string id = (await PciTokenApiTests.CreateTokenAsync(a, new { source = TestCards.PanSource() })).GetProperty("id").GetString()!;

        using HttpResponseMessage read = await b.Client.GetAsync($"/api/pci/tokens/{id}");
        using HttpResponseMessage delete = await b.Client.DeleteAsync($"/api/pci/tokens/{id}");
        using HttpResponseMessage securityCode = await b.Client.GetAsync($"/api/pci/tokens/{id}/security-code");
        using HttpResponseMessage list = await b.Client.GetAsync("/api/pci/tokens");
        using HttpResponseMessage stillThere = await a.Client.GetAsync($"/api/pci/tokens/{id}");

        await GuardianAssert.ErrorAsync(read, HttpStatusCode.NotFound, "NOT_FOUND");
        await GuardianAssert.ErrorAsync(delete, HttpStatusCode.NotFound, "NOT_FOUND");
        await GuardianAssert.ErrorAsync(securityCode, HttpStatusCode.NotFound, "NOT_FOUND");
        Assert.Empty((await list.Content.ReadFromJsonAsync()).GetProperty("data").EnumerateArray());
        Assert.Equal(HttpStatusCode.OK, stillThere.StatusCode);
    }

    [SkippableFact]
    public async Task Idempotency_SameKeySameBody_ReplaysFirstResponse_AndCreatesOneToken()
    {
        TestTenant tenant = await App.CreateTenantAsync();

        using HttpResponseMessage first = await PostWithKeyAsync(tenant, "key-1", IdempotentBody);
        using HttpResponseMessage second = await PostWithKeyAsync(tenant, "key-1", IdempotentBody);
        using HttpResponseMessage list = await tenant.Client.GetAsync("/api/pci/tokens");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        Assert.False(first.Headers.Contains("x-idempotent-replayed"));
        Assert.Equal("true", second.Headers.GetValues("x-idempotent-replayed").Single());
        Assert.Single((await list.Content.ReadFromJsonAsync()).GetProperty("data").EnumerateArray());
    }

    [SkippableFact]
    public async Task Idempotency_SameKeyDifferentBody_Returns409Conflict()
    {
        TestTenant tenant = await App.CreateTenantAsync();
        string other = JsonSerializer.Serialize(new { source = TestCards.PanSource(TestCards.Mastercard) });

        using HttpResponseMessage first = await PostWithKeyAsync(tenant, "key-2", IdempotentBody);
        using HttpResponseMessage second = await PostWithKeyAsync(tenant, "key-2", other);
        using HttpResponseMessage list = await tenant.Client.GetAsync("/api/pci/tokens");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await GuardianAssert.ErrorAsync(second, HttpStatusCode.Conflict, "CONFLICT");
        Assert.Single((await list.Content.ReadFromJsonAsync()).GetProperty("data").EnumerateArray());
    }

    [SkippableFact]
    public async Task Idempotency_ConcurrentRequestsWithOneKey_CreateOneToken()
    {
        TestTenant tenant = await App.CreateTenantAsync();

        HttpResponseMessage[] responses = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => PostWithKeyAsync(tenant, "key-race", IdempotentBody)));
        try
        {
            using HttpResponseMessage list = await tenant.Client.GetAsync("/api/pci/tokens");

            Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, r.StatusCode.ToString()));
            Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.OK);
            string created = Assert.Single((await list.Content.ReadFromJsonAsync()).GetProperty("data").EnumerateArray()).GetProperty("id").GetString()!;
            foreach (HttpResponseMessage ok in responses.Where(r => r.StatusCode == HttpStatusCode.OK))
            {
                Assert.Equal(created, (await ok.Content.ReadFromJsonAsync()).GetProperty("id").GetString());
            }

            Assert.Equal(1L, await App.Postgres!.ScalarAsync($"SELECT count(*) FROM idempotency_keys WHERE tenant_id = '{tenant.Id}' AND status IS NOT NULL"));
        }
        finally
        {
            foreach (HttpResponseMessage response in responses)
            {
                response.Dispose();
            }
        }
    }

    [SkippableFact]
    public async Task ExpiredToken_Is404AndUnlisted_ThenSweptAway()
    {
        // Its own application: the manual clock moves, which must not disturb the shared one.
        await using StrongroomApplication app = await StrongroomApplication.OnPostgresAsync();
        TestTenant tenant = await app.CreateTenantAsync();
        string shortLived = (await PciTokenApiTests.CreateTokenAsync(tenant, new { source = TestCards.PanSource(securityCode: "123"), expires_in = 60 })).GetProperty("id").GetString()!;
        string longLived = (await PciTokenApiTests.CreateTokenAsync(tenant, new { source = TestCards.PanSource(), expires_in = 3600 })).GetProperty("id").GetString()!;

        app.Clock.Advance(TimeSpan.FromSeconds(61));
        using HttpResponseMessage expired = await tenant.Client.GetAsync($"/api/pci/tokens/{shortLived}");
        using HttpResponseMessage alive = await tenant.Client.GetAsync($"/api/pci/tokens/{longLived}");
        using HttpResponseMessage list = await tenant.Client.GetAsync("/api/pci/tokens");
        long rowsBeforeSweep = (long)(await app.Postgres!.ScalarAsync("SELECT count(*) FROM pci_tokens"))!;
        SweepResult sweep = await app.Services.GetRequiredService<VaultSweeper>().SweepOnceAsync(CancellationToken.None);
        long rowsAfterSweep = (long)(await app.Postgres.ScalarAsync("SELECT count(*) FROM pci_tokens"))!;
        SweepResult again = await app.Services.GetRequiredService<VaultSweeper>().SweepOnceAsync(CancellationToken.None);

        await GuardianAssert.ErrorAsync(expired, HttpStatusCode.NotFound, "NOT_FOUND");
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Equal(longLived, Assert.Single((await list.Content.ReadFromJsonAsync()).GetProperty("data").EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal(2, rowsBeforeSweep);
        Assert.Equal(1, sweep.Tokens);
        Assert.Equal(1, rowsAfterSweep);
        Assert.Equal(0, again.Tokens);
    }

    [SkippableFact]
    public async Task Workload_LeavesNoCardDataInAnyTable()
    {
        await using StrongroomApplication app = await StrongroomApplication.OnPostgresAsync();
        string canary = "canary-" + Guid.NewGuid().ToString("N");
        TestTenant tenant = await app.CreateTenantAsync(canary);
        var responses = new StringBuilder();
        var ids = new List<string>();

        // Tokens from every test PAN, each under an idempotency key (the stored response is sealed), then replayed.
        foreach (string pan in TestCards.All)
        {
            string code = pan == TestCards.Amex ? AmexSecurityCode : "123";
            string body = JsonSerializer.Serialize(new { source = TestCards.PanSource(pan, securityCode: code, name: "Jane Roe"), metadata = new { order = "o-1" } });
            using HttpResponseMessage created = await PostWithKeyAsync(tenant, "leak-" + pan[..4], body);
            using HttpResponseMessage replayed = await PostWithKeyAsync(tenant, "leak-" + pan[..4], body);
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
            Assert.Equal(HttpStatusCode.OK, replayed.StatusCode);
            string text = await created.Content.ReadAsStringAsync();
            responses.AppendLine(text).AppendLine(await replayed.Content.ReadAsStringAsync());
            ids.Add(JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!);
        }

        // A short-lived token that expires and is swept, and a token without an idempotency key.
        await PciTokenApiTests.CreateTokenAsync(tenant, new { source = TestCards.PanSource(TestCards.Mastercard, name: "Jane Roe"), expires_in = 30 });
        await PciTokenApiTests.CreateTokenAsync(tenant, new { source = TestCards.PanSource(TestCards.Discover, name: "Jane Roe") });

        // Rejected requests that carry card data in every wrong place, one of them under an idempotency key (a stored 422).
        object[] rejected =
        [
            new { source = TestCards.PanSource(month: 13) },
            new { source = TestCards.PanSource(TestCards.Amex, securityCode: "12") },
            new { source = TestCards.PanSource(name: TestCards.Visa) },
            new { source = TestCards.PanSource(), metadata = new { note = TestCards.Mastercard } },
            new { source = new { type = "pan", account_number = "4111111111111112", expiry_month = 12, expiry_year = 2031 } },
        ];
        foreach (object body in rejected)
        {
            using HttpResponseMessage response = await tenant.Client.PostAsJsonAsync("/api/pci/tokens", body);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            responses.AppendLine(await response.Content.ReadAsStringAsync());
        }

        using (HttpResponseMessage rejectedWithKey = await PostWithKeyAsync(tenant, "leak-422", JsonSerializer.Serialize(rejected[3])))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, rejectedWithKey.StatusCode);
        }

        using (HttpResponseMessage session = await tenant.Client.PostAsJsonAsync("/api/pci/tokens", new { source = new { type = "session" } }))
        {
            Assert.Equal(HttpStatusCode.OK, session.StatusCode);
        }

        foreach (string id in ids)
        {
            using HttpResponseMessage read = await tenant.Client.GetAsync($"/api/pci/tokens/{id}");
            responses.AppendLine(await read.Content.ReadAsStringAsync());
        }

        using (HttpResponseMessage list = await tenant.Client.GetAsync("/api/pci/tokens"))
        {
            responses.AppendLine(await list.Content.ReadAsStringAsync());
        }

        using (HttpResponseMessage deleted = await tenant.Client.DeleteAsync($"/api/pci/tokens/{ids[0]}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        app.Clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(1, (await app.Services.GetRequiredService<VaultSweeper>().SweepOnceAsync(CancellationToken.None)).Tokens);

        IReadOnlyList<string> tables = await app.Postgres!.ListTablesAsync();
        IReadOnlyList<string> rows = await app.Postgres.DumpRowsAsTextAsync();
        string dump = string.Join('\n', rows);

        // Controls: every table is dumped, the dump holds the workload (live ciphertexts, sealed responses) and the clear-text canary.
        foreach (string table in new[] { "tenants", "tenant_keys", "api_keys", "settings", "pci_tokens", "sessions", "idempotency_keys", "schema_migrations" })
        {
            Assert.Contains("public." + table, tables);
        }

        Assert.Equal(4, rows.Count(r => r.StartsWith("public.pci_tokens: ", StringComparison.Ordinal)));
        Assert.Equal(5, rows.Count(r => r.StartsWith("public.idempotency_keys: ", StringComparison.Ordinal)));
        Assert.Contains(rows, r => r.StartsWith("public.tenants: ", StringComparison.Ordinal) && r.Contains(canary, StringComparison.Ordinal));
        Assert.Contains(rows, r => r.StartsWith("public.pci_tokens: ", StringComparison.Ordinal) && r.Contains(",\"\\\\x", StringComparison.Ordinal));

        foreach (string pan in TestCards.All.Append("4111111111111112"))
        {
            Assert.DoesNotContain(pan, dump, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToHexString(Encoding.ASCII.GetBytes(pan)), dump, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Convert.ToHexString(Encoding.Unicode.GetBytes(pan)), dump, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(pan, responses.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(pan, app.Logs.AllText, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("Jane Roe", dump, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexString("Jane Roe"u8), dump, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(AmexCodeStandalone(), dump);
        Assert.DoesNotContain(Convert.ToHexString(Encoding.ASCII.GetBytes(AmexSecurityCode)), dump, StringComparison.OrdinalIgnoreCase);
    }

    private static Task<HttpResponseMessage> PostWithKeyAsync(TestTenant tenant, string key, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/pci/tokens") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("x-idempotency-key", key);
        return tenant.Client.SendAsync(request);
    }
}
