using Strongroom.Core.Cards;

namespace Strongroom.Core.Tests.Cards;

/// <summary>Issue 16 item 5: the one detector sees through separators, format characters and non-ASCII digits.</summary>
public class PanDetectorDisguiseTests
{
    [Theory]
    [InlineData("4111.1111.1111.1111")]
    [InlineData("tenant 4111.1111.1111.1111 ltd")]
    [InlineData("4111/1111/1111/1111")]
    [InlineData("4111_1111_1111_1111")]
    [InlineData("4111 - 1111 - 1111 - 1111")]
    [InlineData("4111\u00A01111\u00A01111\u00A01111")] // no-break spaces
    [InlineData("4111\u20091111\u20091111\u20091111")] // thin spaces
    [InlineData("4111\u20131111\u20141111\u22121111")] // en dash, em dash, minus sign
    [InlineData("4111\uFF0E1111\uFF0F1111\uFF0D1111")] // fullwidth full stop, solidus, hyphen-minus
    [InlineData("4\u200B1\u200B1\u200B1\u200B1\u200B1\u200B1\u200B1\u200B1\u200B1\u200B1\u200B1\u200B1\u200B1\u200B1\u200B1")] // zero-width spaces
    [InlineData("4111\u200C1111\u200D1111\u20601111")] // ZWNJ, ZWJ, word joiner
    [InlineData("\uFEFF4111\u00AD1111\u00AD1111\u00AD1111")] // BOM and soft hyphens
    [InlineData("4111\u200E1111\u200F1111\u20661111\u2069")] // bidi marks and isolates
    [InlineData("٤١١١١١١١١١١١١١١١")] // Arabic-Indic
    [InlineData("۴۱۱۱ ۱۱۱۱ ۱۱۱۱ ۱۱۱۱")] // Extended Arabic-Indic, spaced
    [InlineData("４１１１１１１１１１１１１１１１")] // fullwidth
    [InlineData("४१११-११११११११११११")] // Devanagari
    [InlineData("৫৫৫৫৫৫৫৫৫৫৫৫৪৪৪৪")] // Bengali Mastercard
    [InlineData("𝟒𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏")] // mathematical bold: supplementary-plane digits
    [InlineData("4111١١١١۱۱۱۱１１１１")] // scripts mixed in one number
    [InlineData("3782\u200B822463.10005")] // Amex, 15 digits, mixed separators
    [InlineData("4⃣111111111111111")] // a combining enclosing keycap mark after a digit
    public void ContainsPan_DisguisedPan_True(string text)
    {
        Assert.True(PanDetector.ContainsPan(text));
    }

    [Theory]
    [InlineData("0190a3b2-7c4e-7def-8123-456789abcdef")] // UUID v7
    [InlineData("f47ac10b-58cc-4372-a567-0e02b2c3d479")] // UUID v4
    [InlineData("2026-12-06T02:13:40.1234567+00:00")] // ISO-8601 timestamp
    [InlineData("2026-12-06 02:13:40Z")]
    [InlineData("order 12345, qty 3, total 99.95")]
    [InlineData("tel +44 20 7946 0958")]
    [InlineData("+1 (415) 555-0132")]
    [InlineData("version 10.2.3.4567")]
    [InlineData("4111.1111.1111.1112")] // dotted but Luhn-invalid
    [InlineData("٤١١١١١١١١١١١١١١٢")] // Arabic-Indic, Luhn-invalid
    [InlineData("12345678901234567890123")] // a glued run longer than any card number
    [InlineData("Acme Payments Ltd")]
    [InlineData("https://hooks.example.com/strongroom/v1")]
    public void ContainsPan_BenignText_False(string text)
    {
        Assert.False(PanDetector.ContainsPan(text));
    }

    [Fact]
    public void Redact_DisguisedPans_ReplacesEachWholeRun()
    {
        string text = "a ٤١١١.١١١١.١١١١.١١١١ b 5555\u200B5555\u200B5555\u200B4444 c";

        string redacted = PanDetector.Redact(text, out int redactions);

        Assert.Equal("a [REDACTED PAN] b [REDACTED PAN] c", redacted);
        Assert.Equal(2, redactions);
    }

    [Fact]
    public void Redact_SupplementaryPlaneDigits_ReplacesWithoutSplittingSurrogates()
    {
        string redacted = PanDetector.Redact("x 𝟒𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏 y", out int redactions);

        Assert.Equal("x [REDACTED PAN] y", redacted);
        Assert.Equal(1, redactions);
    }

    [Fact]
    public void ContainsPan_GeneratedDisguises_AllFound()
    {
        var generator = new PanDisguises(seed: 20261206);
        for (int i = 0; i < 500; i++)
        {
            DisguisedPan pan = generator.Next(asciiOnly: i % 5 == 0);

            Assert.True(PanDetector.ContainsPan(pan.Text), $"missed: {pan.Disguise}");
            Assert.True(PanDetector.ContainsPan($"Shop {pan.Text} GmbH"), $"missed inside text: {pan.Disguise}");
            Assert.False(PanDetector.ContainsPan(PanDetector.Redact(pan.Text, out _)), $"left behind by Redact: {pan.Disguise}");
        }
    }

    [Fact]
    public void ContainsPan_EveryLengthFrom13To19_Found()
    {
        var generator = new PanDisguises(seed: 7);
        for (int length = 13; length <= 19; length++)
        {
            string pan = generator.NextPan(length);

            Assert.True(PanDetector.ContainsPan(string.Join('.', pan.Chunk(4).Select(c => new string(c)))), $"missed a {length}-digit number");
        }
    }

    [Fact]
    public void Require_DisguisedPan_ThrowsNamingTheFieldWithoutTheValue()
    {
        const string text = "Shop ٤١١١.١١١١.١١١١.١١١١";

        CardNumberInFreeTextException refused = Assert.Throws<CardNumberInFreeTextException>(() => FreeText.Require("title", text));

        Assert.Equal("title", refused.Field);
        Assert.DoesNotContain("١", refused.Message, StringComparison.Ordinal);
        Assert.Contains("title", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Require_MetadataKeyHoldingPan_Throws()
    {
        var metadata = new Dictionary<string, string> { ["4111.1111.1111.1111"] = "x" };

        CardNumberInFreeTextException refused = Assert.Throws<CardNumberInFreeTextException>(() => FreeText.Require("metadata", metadata));

        Assert.Equal("metadata", refused.Field);
    }

    [Fact]
    public void CardNumberError_PlainText_Null()
    {
        Assert.Null(FreeText.CardNumberError("Checkout webhook for shop 42"));
        Assert.Null(FreeText.CardNumberError(null));
    }
}
