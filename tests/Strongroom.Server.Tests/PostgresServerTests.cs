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
/// What only PostgreSQL has: readiness on the postgres provider, and no card data in any table after a workload.
/// The token lifecycle, paging, tenant isolation, idempotency and expiry run on both engines in
/// <see cref="PciTokenApiTests"/>, <see cref="AuthTests"/>, <see cref="IdempotencyTests"/> and <see cref="ExpiryTests"/>.
/// </summary>
public sealed partial class PostgresServerTests : IClassFixture<PostgresServerFixture>
{
    private const string AmexSecurityCode = "8642";

    private readonly PostgresServerFixture _fixture;

    public PostgresServerTests(PostgresServerFixture fixture)
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        _fixture = fixture;
    }

    private StrongroomApplication App => _fixture.App;

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
        await tenant.TokenizeAsync(TestCards.PanSource(TestCards.Mastercard, name: "Jane Roe"), expiresIn: 30);
        await tenant.TokenizeAsync(TestCards.PanSource(TestCards.Discover, name: "Jane Roe"));

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
