using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Strongroom.Core.Bins;

namespace Strongroom.Server.Tests;

/// <summary>
/// <c>strongroom bin import</c> run as a real process over a data directory the server then uses: per-row
/// rejections with their line numbers, the table replaced by the good rows, a failed import leaving the previous
/// table in force, the server picking up an import after its refresh interval, and a large file.
/// </summary>
public sealed class BinImportCliTests : IDisposable
{
    private const string Header = "prefix,scheme,funding,bank,country,issuer_id";

    /// <summary>Luhn-valid Visa whose BIN (444433) is not in the shipped table.</summary>
    private const string UnlistedVisa = "4444333322221111";

    private readonly TempDataDirectories _directories = new();

    public void Dispose() => _directories.Dispose();

    [Fact]
    public async Task Import_MixedFile_ReportsEachRejectionWithItsLine_AndReplacesTheTable()
    {
        string dataDirectory = NewDataDirectory();
        string file = WriteFile(dataDirectory, "bins.csv",
            Header,                                                             // 1
            "444433,visa,DEBIT,IMPORTED TEST BANK,gb,bnk_ImportedIssuer01",      // 2 good (country lower-case is accepted)
            "\"555555\",MASTERCARD,credit,\"ACME BANK, N.A.\",US",              // 3 good: quoted, comma in bank, no issuer_id column
            "12345,visa,CREDIT,SHORT PREFIX BANK,US,",                          // 4 short prefix
            "400000,bitcoin,CREDIT,UNKNOWN SCHEME BANK,US,",                    // 5 unknown scheme
            "400001,visa,CHARGE,BAD FUNDING BANK,US,",                          // 6 bad funding
            "400002,visa,CREDIT,BAD COUNTRY BANK,USA,",                         // 7 bad country
            "400003,visa,CREDIT,   ,US,",                                       // 8 empty bank
            "400004,visa,CREDIT,\"UNBALANCED BANK,US,",                         // 9 unbalanced quotes
            "",                                                                 // 10 blank: skipped
            "444433,visa,CREDIT,DUPLICATE BANK,US,",                            // 11 duplicate prefix
            "400006,visa,CREDIT,US",                                            // 12 wrong column count (4)
            "400007,visa,CREDIT,TOO MANY,US,bnk_x,extra",                       // 13 wrong column count (7)
            "37828224,amex,prepaid,\"THE \"\"QUOTED\"\" BANK\",us,");           // 14 good: 8 digits, amex, escaped quotes

        (int exit, string stdout, string stderr) = await RunCliAsync(dataDirectory, "bin", "import", file);

        Assert.True(exit == 0, $"exit {exit}\n{stdout}\n{stderr}");
        string[] lines = Lines(stdout);
        Assert.Equal("Imported 3 BIN range(s); rejected 9 row(s).", lines[0]);
        Assert.Contains("  1 × prefix must be 6 to 8 digits. (line 4)", lines);
        Assert.Contains("  1 × Unknown scheme. (line 5)", lines);
        Assert.Contains("  1 × funding must be CREDIT, DEBIT or PREPAID. (line 6)", lines);
        Assert.Contains("  1 × country must be an ISO 3166-1 alpha-2 code. (line 7)", lines);
        Assert.Contains($"  1 × bank must be 1 to {BinCsv.MaxBankLength} printable characters. (line 8)", lines);
        Assert.Contains("  1 × Unbalanced quotes. (line 9)", lines);
        Assert.Contains("  1 × Duplicate prefix (an earlier row has it). (line 11)", lines);
        Assert.Contains("  1 × Expected 5 or 6 columns, found 4. (line 12)", lines);
        Assert.Contains("  1 × Expected 5 or 6 columns, found 7. (line 13)", lines);
        Assert.Equal(10, lines.Length);
        Assert.DoesNotContain("SHORT PREFIX BANK", stdout, StringComparison.Ordinal); // rows are never echoed
        Assert.DoesNotContain("lines", stderr, StringComparison.Ordinal); // no progress bar when stderr is redirected
        Assert.DoesNotContain('\r', stderr);
        Assert.DoesNotContain("Nothing imported", stderr, StringComparison.Ordinal);

        using var app = StrongroomApplication.Over(dataDirectory);
        TestTenant tenant = await app.CreateTenantAsync("Bin import");

        JsonElement imported = await MetadataAsync(tenant, UnlistedVisa);
        Assert.Equal("debit", imported.GetProperty("funding").GetString());
        Assert.Equal("IMPORTED TEST BANK", imported.GetProperty("issuer").GetProperty("name").GetString());
        Assert.Equal("GB", imported.GetProperty("issuer").GetProperty("country").GetString());
        Assert.Equal("bnk_ImportedIssuer01", imported.GetProperty("issuer").GetProperty("id").GetString());

        JsonElement quoted = await MetadataAsync(tenant, TestCards.Mastercard);
        Assert.Equal("credit", quoted.GetProperty("funding").GetString());
        Assert.Equal("ACME BANK, N.A.", quoted.GetProperty("issuer").GetProperty("name").GetString());
        Assert.Equal("US", quoted.GetProperty("issuer").GetProperty("country").GetString());
        Assert.Equal(BinCsv.IssuerIdFor("ACME BANK, N.A.", "US"), quoted.GetProperty("issuer").GetProperty("id").GetString());
        Assert.Matches("^bnk_[A-Za-z0-9]{24}$", quoted.GetProperty("issuer").GetProperty("id").GetString());

        JsonElement eightDigits = await MetadataAsync(tenant, TestCards.Amex);
        Assert.Equal("prepaid", eightDigits.GetProperty("funding").GetString());
        Assert.Equal("THE \"QUOTED\" BANK", eightDigits.GetProperty("issuer").GetProperty("name").GetString());
        Assert.Equal("US", eightDigits.GetProperty("issuer").GetProperty("country").GetString());

        // The import replaced the table: prefixes only in the shipped table, or only in rejected rows, have no row now.
        foreach (string pan in new[] { TestCards.Visa, "4508750015741019", TestCards.Discover, "4000000000000002" })
        {
            JsonElement bare = await MetadataAsync(tenant, pan);
            Assert.Equal(["bin", "masked_account_number", "scheme"], bare.EnumerateObject().Select(p => p.Name));
        }
    }

    [Fact]
    public async Task Import_OnlyBadRows_Exits1_AndThePreviousTableStays()
    {
        string dataDirectory = NewDataDirectory();
        string good = WriteFile(dataDirectory, "good.csv", Header, "444433,visa,CREDIT,FIRST IMPORT BANK,US,");
        string bad = WriteFile(dataDirectory, "bad.csv",
            Header,
            "44443,visa,CREDIT,SHORT,US,",
            "444433,visa,CREDIT,,US,",
            "411111,visa,CREDIT,NEW JPM,XX1,");
        (int goodExit, string goodOut, _) = await RunCliAsync(dataDirectory, "bin", "import", good);
        Assert.Equal(0, goodExit);
        Assert.Equal("Imported 1 BIN range(s); rejected 0 row(s).", Lines(goodOut).Single());

        (int exit, string stdout, string stderr) = await RunCliAsync(dataDirectory, "bin", "import", bad);

        Assert.Equal(1, exit);
        string[] lines = Lines(stdout);
        Assert.Equal("Imported 0 BIN range(s); rejected 3 row(s).", lines[0]);
        Assert.Contains("  1 × prefix must be 6 to 8 digits. (line 2)", lines);
        Assert.Contains($"  1 × bank must be 1 to {BinCsv.MaxBankLength} printable characters. (line 3)", lines);
        Assert.Contains("  1 × country must be an ISO 3166-1 alpha-2 code. (line 4)", lines);
        Assert.Contains("Nothing imported: the previous table stays in force.", stderr, StringComparison.Ordinal);

        using var app = StrongroomApplication.Over(dataDirectory);
        TestTenant tenant = await app.CreateTenantAsync("Bin import");
        JsonElement kept = await MetadataAsync(tenant, UnlistedVisa);
        Assert.Equal("FIRST IMPORT BANK", kept.GetProperty("issuer").GetProperty("name").GetString());
        Assert.Equal("credit", kept.GetProperty("funding").GetString());
        JsonElement notShipped = await MetadataAsync(tenant, TestCards.Visa);
        Assert.False(notShipped.TryGetProperty("issuer", out _));
    }

    [Fact]
    public async Task Import_WithoutHeader_OrEmpty_OrMissingFile_Fails()
    {
        string dataDirectory = NewDataDirectory();
        string noHeader = WriteFile(dataDirectory, "noheader.csv", "444433,visa,CREDIT,NO HEADER BANK,US,");
        string empty = WriteFile(dataDirectory, "empty.csv");

        (int noHeaderExit, string noHeaderOut, _) = await RunCliAsync(dataDirectory, "bin", "import", noHeader);
        (int emptyExit, string emptyOut, _) = await RunCliAsync(dataDirectory, "bin", "import", empty);
        (int missingExit, _, string missingErr) = await RunCliAsync(dataDirectory, "bin", "import", Path.Combine(dataDirectory, "absent.csv"));

        Assert.Equal(1, noHeaderExit);
        Assert.StartsWith("Imported 0 BIN range(s); rejected 1 row(s).", noHeaderOut, StringComparison.Ordinal);
        Assert.Contains("(line 1)", noHeaderOut, StringComparison.Ordinal);
        Assert.DoesNotContain("NO HEADER BANK", noHeaderOut, StringComparison.Ordinal);
        Assert.Equal(1, emptyExit);
        Assert.StartsWith("Imported 0 BIN range(s); rejected 1 row(s).", emptyOut, StringComparison.Ordinal);
        Assert.Equal(2, missingExit);
        Assert.Contains("No such file", missingErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_WhileServing_IsSeenAfterTheRefreshInterval()
    {
        string dataDirectory = NewDataDirectory();
        using var app = StrongroomApplication.Over(dataDirectory);
        TestTenant tenant = await app.CreateTenantAsync("Bin refresh");
        JsonElement shipped = await MetadataAsync(tenant, TestCards.Visa);
        Assert.Equal("JPMORGAN CHASE BANK N.A.", shipped.GetProperty("issuer").GetProperty("name").GetString());

        string file = WriteFile(dataDirectory, "new.csv", Header, "411111,visa,DEBIT,REPLACED ISSUER,CA,");
        (int exit, string stdout, string stderr) = await RunCliAsync(dataDirectory, "bin", "import", file);
        Assert.True(exit == 0, $"exit {exit}\n{stdout}\n{stderr}");

        // Within the refresh interval the server answers from its cached table.
        JsonElement cached = await MetadataAsync(tenant, TestCards.Visa);
        Assert.Equal("JPMORGAN CHASE BANK N.A.", cached.GetProperty("issuer").GetProperty("name").GetString());

        TimeSpan step = BinService.RefreshInterval + TimeSpan.FromSeconds(1);
        app.Clock.Advance(step);
        try
        {
            JsonElement refreshed = await MetadataAsync(tenant, TestCards.Visa);
            Assert.Equal("REPLACED ISSUER", refreshed.GetProperty("issuer").GetProperty("name").GetString());
            Assert.Equal("CA", refreshed.GetProperty("issuer").GetProperty("country").GetString());
            Assert.Equal("debit", refreshed.GetProperty("funding").GetString());
            JsonElement gone = await MetadataAsync(tenant, "4508750015741019");
            Assert.False(gone.TryGetProperty("issuer", out _));

            // New Tap tokens take their issuer from the refreshed table too.
            using HttpClient tap = app.CreateClient();
            tap.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", tenant.ApiKey);
            using HttpResponseMessage token = await tap.PostAsync("/v2/tokens", new StringContent(
                Fill("""{"card":{"number":"@0@","exp_month":1,"exp_year":@1@}}""", TestCards.Visa, DateTime.UtcNow.Year + 3), Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, token.StatusCode);
            JsonElement card = (await token.Content.ReadFromJsonAsync()).GetProperty("card");
            Assert.Equal("DEBIT", card.GetProperty("funding").GetString());
            Assert.Equal("REPLACED ISSUER", card.GetProperty("issuer").GetProperty("bank").GetString());
        }
        finally
        {
            app.Clock.Advance(-step);
        }
    }

    [Fact]
    public async Task Import_LargeFile_ImportsEveryRow()
    {
        const int Rows = 20_000;
        string dataDirectory = NewDataDirectory();
        var lines = new List<string>(Rows + 1) { Header };
        string[] fundings = ["CREDIT", "DEBIT", "PREPAID"];
        for (int i = 0; i < Rows; i++)
        {
            // 8-digit Visa prefixes 40000000…40019999, plus the unlisted 444433 as the last row.
            string prefix = i == Rows - 1 ? "444433" : (40_000_000 + i).ToString(CultureInfo.InvariantCulture);
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix},visa,{fundings[i % 3]},\"BANK {i}, LTD\",GB,"));
        }

        string file = WriteFile(dataDirectory, "large.csv", [.. lines]);
        (int exit, string stdout, string stderr) = await RunCliAsync(dataDirectory, "bin", "import", file);

        Assert.True(exit == 0, $"exit {exit}\n{stdout}\n{stderr}");
        Assert.Equal($"Imported {Rows} BIN range(s); rejected 0 row(s).", Lines(stdout).Single());
        Assert.Empty(stderr.Trim());

        using var app = StrongroomApplication.Over(dataDirectory);
        TestTenant tenant = await app.CreateTenantAsync("Bin large");
        JsonElement last = await MetadataAsync(tenant, UnlistedVisa);
        Assert.Equal($"BANK {Rows - 1}, LTD", last.GetProperty("issuer").GetProperty("name").GetString());
        Assert.Equal(fundings[(Rows - 1) % 3].ToLowerInvariant(), last.GetProperty("funding").GetString());

        // 4000000000000002 → 8-digit prefix 40000000 (row 0, CREDIT).
        JsonElement first = await MetadataAsync(tenant, "4000000000000002");
        Assert.Equal("BANK 0, LTD", first.GetProperty("issuer").GetProperty("name").GetString());
        Assert.Equal("credit", first.GetProperty("funding").GetString());
    }

    private static async Task<JsonElement> MetadataAsync(TestTenant tenant, string pan)
    {
        using HttpResponseMessage response = await tenant.Client.PostAsJsonAsync("/api/metadata/pan", new { account_number = pan });
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static string Fill(string template, params object[] values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            template = template.Replace($"@{i}@", Convert.ToString(values[i], CultureInfo.InvariantCulture), StringComparison.Ordinal);
        }

        return template;
    }

    private static string[] Lines(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToArray();

    private static string WriteFile(string directory, string name, params string[] lines)
    {
        string path = Path.Combine(directory, name);
        File.WriteAllText(path, lines.Length == 0 ? "" : string.Join('\n', lines) + "\n", new UTF8Encoding(false));
        return path;
    }

    private string NewDataDirectory() => _directories.Create();

    private static Task<(int ExitCode, string Stdout, string Stderr)> RunCliAsync(string dataDirectory, params string[] args) =>
        CliProcess.RunAsync(dataDirectory, args);
}
