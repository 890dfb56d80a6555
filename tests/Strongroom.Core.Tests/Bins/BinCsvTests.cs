using Strongroom.Core.Bins;
using Strongroom.Core.Cards;

namespace Strongroom.Core.Tests.Bins;

public sealed class BinCsvTests
{
    private const string Header = "prefix,scheme,funding,bank,country,issuer_id";

    private static Task<(List<BinRecord> Rows, List<BinRejection> Rejections)> ReadAsync(params string[] lines) =>
        BinCsv.ReadAsync(new StringReader(string.Join('\n', lines)), null, CancellationToken.None);

    [Fact]
    public async Task Read_GoodRows_QuotedCommasAndVendorSchemeNames()
    {
        (List<BinRecord> rows, List<BinRejection> rejections) = await ReadAsync(
            Header,
            "411111,visa,credit,\"BANK OF X, N.A.\",us,",
            "55555555,MC,DEBIT,\"THE \"\"QUOTED\"\" BANK\",DE,bnk_custom-1",
            "378282,AMEX,PREPAID,AMEX BANK,US");

        Assert.Empty(rejections);
        Assert.Equal(3, rows.Count);
        Assert.Equal(new BinRecord("411111", CardScheme.Visa, CardFunding.Credit, "BANK OF X, N.A.", "US", BinCsv.IssuerIdFor("BANK OF X, N.A.", "US")), rows[0]);
        Assert.Equal("THE \"QUOTED\" BANK", rows[1].Bank);
        Assert.Equal("bnk_custom-1", rows[1].IssuerId);
        Assert.Equal(CardScheme.AmericanExpress, rows[2].Scheme);
        Assert.Matches("^bnk_[A-Za-z0-9]{24}$", rows[0].IssuerId);
    }

    [Theory]
    [InlineData("41111,visa,CREDIT,B,US,", "prefix must be 6 to 8 digits.")]
    [InlineData("411111111,visa,CREDIT,B,US,", "prefix must be 6 to 8 digits.")]
    [InlineData("41111a,visa,CREDIT,B,US,", "prefix must be 6 to 8 digits.")]
    [InlineData("411111,maestro,CREDIT,B,US,", "Unknown scheme.")]
    [InlineData("411111,mastercard,CREDIT,B,US,", "prefix is not in the scheme's IIN range.")]
    [InlineData("411111,visa,CHARGE,B,US,", "funding must be CREDIT, DEBIT or PREPAID.")]
    [InlineData("411111,visa,CREDIT,,US,", "bank must be 1 to 120 printable characters.")]
    [InlineData("411111,visa,CREDIT,B,USA,", "country must be an ISO 3166-1 alpha-2 code.")]
    [InlineData("411111,visa,CREDIT,B,U1,", "country must be an ISO 3166-1 alpha-2 code.")]
    [InlineData("411111,visa,CREDIT,B,US,bad id!", "issuer_id must be up to 64 letters, digits, '_' or '-'.")]
    [InlineData("411111,visa,CREDIT,\"B,US,", "Unbalanced quotes.")]
    [InlineData("411111,visa,CREDIT,B", "Expected 5 or 6 columns, found 4.")]
    [InlineData("411111,visa,CREDIT,B,US,x,y", "Expected 5 or 6 columns, found 7.")]
    [InlineData("411111,visa,CREDIT,BANK 4111111111111111,US,", "bank must not contain a card number.")]
    public void ParseRow_BadRow_SaysWhy(string row, string reason)
    {
        Assert.Equal(reason, BinCsv.ParseRow(row, out BinRecord? record));
        Assert.Null(record);
    }

    [Fact]
    public async Task Read_BadRowsAreRejectedWithLineNumbers_GoodOnesKept_DuplicatesKeepTheFirst()
    {
        (List<BinRecord> rows, List<BinRejection> rejections) = await ReadAsync(
            Header,
            "411111,visa,CREDIT,FIRST,US,",
            "",
            "12,visa,CREDIT,B,US,",
            "411111,visa,DEBIT,SECOND,US,",
            "555555,mastercard,DEBIT,B,DE,");

        Assert.Equal(["411111", "555555"], rows.Select(r => r.Prefix));
        Assert.Equal("FIRST", rows[0].Bank);
        Assert.Equal([new BinRejection(4, "prefix must be 6 to 8 digits."), new BinRejection(5, "Duplicate prefix (an earlier row has it).")], rejections);
    }

    [Fact]
    public async Task Read_MissingOrWrongHeader_RejectsTheFile()
    {
        (List<BinRecord> rows, List<BinRejection> rejections) = await ReadAsync("411111,visa,CREDIT,B,US,");

        Assert.Empty(rows);
        Assert.Equal(1, Assert.Single(rejections).Line);
    }

    [Fact]
    public async Task Read_ReportsProgress()
    {
        var lines = new List<string> { Header };
        lines.AddRange(Enumerable.Range(0, 2500).Select(i => $"{400000 + i},visa,CREDIT,B,US,"));
        var reported = new List<long>();

        (List<BinRecord> rows, _) = await BinCsv.ReadAsync(new StringReader(string.Join('\n', lines)), reported.Add, CancellationToken.None);

        Assert.Equal(2500, rows.Count);
        Assert.Equal([1000, 2000, 2501], reported);
    }

    [Fact]
    public void ShippedTable_ParsesCleanly_AndCoversEveryScheme()
    {
        BinTable table = BinService.LoadShipped();

        Assert.True(table.Count >= 20, $"{table.Count} rows");
        foreach (string pan in new[] { TestCards.Visa, TestCards.Mastercard, TestCards.Mastercard2Series, TestCards.Amex, TestCards.Discover, TestCards.DinersClub14, TestCards.Jcb, TestCards.UnionPay })
        {
            CardMetadata metadata = table.Lookup(TestCards.Parse(pan));
            Assert.NotNull(metadata.Funding);
            Assert.NotNull(metadata.Bank);
        }
    }

    [Fact]
    public void Lookup_LongestPrefixWins_SchemeMustAgree_UnknownBinGivesSchemeOnly()
    {
        var table = new BinTable(
        [
            new BinRecord("411111", CardScheme.Visa, CardFunding.Credit, "SIX", "US", "bnk_6"),
            new BinRecord("41111111", CardScheme.Visa, CardFunding.Debit, "EIGHT", "GB", "bnk_8"),
            new BinRecord("555555", CardScheme.Visa, CardFunding.Debit, "WRONG SCHEME", "US", "bnk_x"), // only possible when built in code
        ], "test");

        CardMetadata eight = table.Lookup(TestCards.Parse(TestCards.Visa));
        CardMetadata fromFirstSix = table.Lookup("411111", CardScheme.Visa);
        CardMetadata mismatch = table.Lookup(TestCards.Parse(TestCards.Mastercard));
        CardMetadata unknown = table.Lookup(TestCards.Parse(TestCards.Amex));

        Assert.Equal(("EIGHT", CardFunding.Debit, "411111"), (eight.Bank, eight.Funding, eight.Bin));
        Assert.Equal("SIX", fromFirstSix.Bank);
        Assert.Null(mismatch.Bank);
        Assert.Equal(new CardMetadata("378282", CardScheme.AmericanExpress, null, null, null, null), unknown);
    }
}
