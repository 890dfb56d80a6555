using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace Strongroom.Server.Tests;

/// <summary>
/// The non-negotiables, proven end to end: after a realistic workload through the HTTP API, no test
/// PAN appears in any log message (at any level, including framework logs) or response outside
/// masked form, and neither PANs nor security codes appear in the SQLite database, WAL or shared
/// memory files.
/// </summary>
public sealed partial class CardDataLeakTests
{
    // A 4-digit Amex code: long enough that a chance match in kilobytes of ciphertext is ~1e-5 unlikely.
    private const string AmexSecurityCode = "8642";

    [GeneratedRegex(@"(?<![0-9])8642(?![0-9])")]
    private static partial Regex AmexCodeAsNumber();

    [Fact]
    public async Task Workload_LeavesNoCardDataInLogsResponsesOrDatabaseFiles()
    {
        var responses = new StringBuilder();
        string databasePath;
        string logs;
        using (var app = new StrongroomApplication())
        {
            TestTenant tenant = await app.CreateTenantAsync();
            var ids = new List<string>();
            foreach (string pan in TestCards.All)
            {
                string code = pan == TestCards.Amex ? AmexSecurityCode : "123";
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/pci/tokens")
                {
                    Content = JsonContent.Create(new { source = TestCards.PanSource(pan, securityCode: code, name: "Jane Roe"), metadata = new { order = "o-1" } }),
                };
                request.Headers.Add("x-idempotency-key", "leak-" + pan[..4]);
                using HttpResponseMessage created = await tenant.Client.SendAsync(request);
                string text = await created.Content.ReadAsStringAsync();
                responses.AppendLine(text);
                ids.Add(JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!);
            }

            // Rejected requests that carry card data in every wrong place.
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
                Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, response.StatusCode);
                responses.AppendLine(await response.Content.ReadAsStringAsync());
            }

            using HttpResponseMessage malformed = await tenant.Client.PostAsync("/api/pci/tokens", new StringContent(
                "{\"source\":{\"type\":\"pan\",\"account_number\":\"4111111111111111\",", Encoding.UTF8, "application/json"));
            responses.AppendLine(await malformed.Content.ReadAsStringAsync());

            foreach (string id in ids)
            {
                using HttpResponseMessage read = await tenant.Client.GetAsync($"/api/pci/tokens/{id}");
                responses.AppendLine(await read.Content.ReadAsStringAsync());
            }

            // The fiat gateway path stores card numbers too.
            (_, WhiteBitSigner signer) = await WhiteBitSigner.CreateAccountAsync(app);
            using HttpResponseMessage jwt = await signer.PostAsync("/api/v4/jwt");
            using HttpClient gateway = app.CreateClient();
            gateway.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", (await jwt.Content.ReadFromJsonAsync()).GetProperty("data").GetProperty("token").GetString());
            foreach (string pan in TestCards.All)
            {
                using HttpResponseMessage cardToken = await gateway.PostAsJsonAsync("/api/card-token", new { cardNumber = pan });
                Assert.Equal(System.Net.HttpStatusCode.Created, cardToken.StatusCode);
                responses.AppendLine(await cardToken.Content.ReadAsStringAsync());
            }

            using HttpResponseMessage list = await tenant.Client.GetAsync("/api/pci/tokens");
            responses.AppendLine(await list.Content.ReadAsStringAsync());
            using HttpResponseMessage deleted = await tenant.Client.DeleteAsync($"/api/pci/tokens/{ids[0]}");

            databasePath = app.DatabasePath;
            logs = app.Logs.AllText;

            // Read the files while the app (and its WAL) is still live, and again after checkpointing.
            AssertNoCardData(ReadDatabaseFiles(databasePath), "database files (live)");
            using (var connection = new SqliteConnection($"Data Source={databasePath}"))
            {
                connection.Open();
                using SqliteCommand checkpoint = connection.CreateCommand();
                checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
                checkpoint.ExecuteNonQuery();
            }

            AssertNoCardData(ReadDatabaseFiles(databasePath), "database files (checkpointed)");
        }

        Assert.NotEmpty(logs);
        Assert.Contains("Created PCI token", logs, StringComparison.Ordinal);
        foreach (string pan in TestCards.All.Append("4111111111111112"))
        {
            Assert.DoesNotContain(pan, logs, StringComparison.Ordinal);
            Assert.DoesNotContain(pan, responses.ToString(), StringComparison.Ordinal);
        }

        Assert.DoesNotMatch(AmexCodeAsNumber(), logs);
        Assert.DoesNotMatch(AmexCodeAsNumber(), responses.ToString());
        Assert.DoesNotContain("security_code\":\"", responses.ToString(), StringComparison.Ordinal);
    }

    private static byte[] ReadDatabaseFiles(string databasePath)
    {
        using var all = new MemoryStream();
        foreach (string suffix in new[] { "", "-wal", "-shm" })
        {
            string path = databasePath + suffix;
            if (File.Exists(path))
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                stream.CopyTo(all);
            }
        }

        Assert.True(all.Length > 0, "no database files found");
        return all.ToArray();
    }

    private static void AssertNoCardData(byte[] bytes, string where)
    {
        foreach (string pan in TestCards.All)
        {
            Assert.True(bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(pan)) < 0, $"PAN found in {where}");
            Assert.True(bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(pan)) < 0, $"UTF-16 PAN found in {where}");
        }

        Assert.True(bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(AmexSecurityCode)) < 0, $"security code found in {where}");
        Assert.True(bytes.AsSpan().IndexOf("Jane Roe"u8) < 0, $"cardholder name found in clear in {where}");
    }
}
