using Strongroom.Core.Cards;

namespace Strongroom.Core.Tests.Cards;

public class PanTests
{
    /// <summary>A Luhn-valid number: <paramref name="payload"/> plus its check digit.</summary>
    private static string WithCheckDigit(string payload) => payload + Luhn.CheckDigit(payload);

    [Theory]
    [InlineData(TestCards.Visa, CardScheme.Visa)]
    [InlineData(TestCards.Mastercard, CardScheme.Mastercard)]
    [InlineData(TestCards.Mastercard2Series, CardScheme.Mastercard)]
    [InlineData(TestCards.Amex, CardScheme.AmericanExpress)]
    [InlineData(TestCards.Discover, CardScheme.Discover)]
    [InlineData(TestCards.DinersClub14, CardScheme.DinersClub)]
    [InlineData(TestCards.DinersClub30x, CardScheme.DinersClub)]
    [InlineData(TestCards.Jcb, CardScheme.Jcb)]
    [InlineData(TestCards.UnionPay, CardScheme.UnionPay)]
    public void TryParse_PublicTestPan_SucceedsWithScheme(string digits, CardScheme expected)
    {
        bool ok = Pan.TryParse(digits, out Pan? pan, out string? error);

        Assert.True(ok, error);
        Assert.Null(error);
        Assert.NotNull(pan);
        Assert.Equal(expected, pan.Scheme);
        Assert.Equal(digits.Length, pan.Length);
        Assert.Equal(digits, pan.Reveal());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void TryParse_Missing_FailsAsRequired(string? input)
    {
        bool ok = Pan.TryParse(input, out Pan? pan, out string? error);

        Assert.False(ok);
        Assert.Null(pan);
        Assert.Equal("Card number is required.", error);
    }

    [Theory]
    [InlineData("4111 1111 1111 1111")]
    [InlineData("4111-1111-1111-1111")]
    [InlineData(" 4111111111111111")]
    [InlineData("4111111111111111\n")]
    [InlineData("411111111111111a")]
    [InlineData("\uFF14\uFF11\uFF11\uFF11111111111111")] // full-width digits are not ASCII digits
    [InlineData("+4111111111111111")]
    public void TryParse_NonDigits_FailsWithoutEchoingInput(string input)
    {
        bool ok = Pan.TryParse(input, out Pan? pan, out string? error);

        Assert.False(ok);
        Assert.Null(pan);
        Assert.Equal("Card number must contain digits only, without separators.", error);
        Assert.DoesNotContain(input.Trim(), error, StringComparison.Ordinal);
        Assert.DoesNotContain("1111", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(20)]
    [InlineData(25)]
    public void TryParse_WrongLength_FailsWithoutEchoingInput(int length)
    {
        string input = WithCheckDigit("4" + new string('1', length - 2));
        Assert.True(Luhn.IsValid(input)); // the length rule, not Luhn, must reject it

        bool ok = Pan.TryParse(input, out Pan? pan, out string? error);

        Assert.False(ok);
        Assert.Null(pan);
        Assert.Equal("Card number must be 12 to 19 digits long.", error);
        Assert.DoesNotContain(input, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(19)]
    public void TryParse_LengthBoundaries_Accepted(int length)
    {
        string input = WithCheckDigit("4" + new string('2', length - 2));

        bool ok = Pan.TryParse(input, out Pan? pan, out string? error);

        Assert.True(ok, error);
        Assert.Equal(length, pan!.Length);
    }

    [Theory]
    [InlineData("4111111111111112")]
    [InlineData("5555555555554440")]
    [InlineData("378282246310006")]
    public void TryParse_LuhnMismatch_FailsWithoutEchoingInput(string input)
    {
        bool ok = Pan.TryParse(input, out Pan? pan, out string? error);

        Assert.False(ok);
        Assert.Null(pan);
        Assert.Equal("Card number is invalid (check digit mismatch).", error);
        Assert.DoesNotContain(input, error, StringComparison.Ordinal);
        Assert.DoesNotContain(input[^4..], error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("900000000000000")]
    [InlineData("100000000000000")]
    [InlineData("700000000000000")]
    public void TryParse_UnsupportedScheme_FailsWithoutEchoingInput(string payload)
    {
        string input = WithCheckDigit(payload);
        Assert.True(Luhn.IsValid(input));

        bool ok = Pan.TryParse(input, out Pan? pan, out string? error);

        Assert.False(ok);
        Assert.Null(pan);
        Assert.Equal("Card scheme is not supported.", error);
        Assert.DoesNotContain(input, error, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_Visa_ShowsFirstSixAndLastFourOnly()
    {
        Pan pan = TestCards.Parse(TestCards.Visa);

        Assert.Equal("411111******1111", pan.ToString());
        Assert.Equal("411111******1111", pan.Masked);
        Assert.Equal("411111******1111", $"{pan}");
        Assert.Equal("411111", pan.First6);
        Assert.Equal("1111", pan.LastFour);
    }

    [Fact]
    public void ToString_Amex_MasksFiveMiddleDigits()
    {
        Pan pan = TestCards.Parse(TestCards.Amex);

        Assert.Equal("378282*****0005", pan.ToString());
        Assert.DoesNotContain(TestCards.Amex, pan.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_InExceptionMessage_DoesNotLeakDigits()
    {
        Pan pan = TestCards.Parse(TestCards.Mastercard);

        var exception = new InvalidOperationException($"Could not charge {pan}");

        Assert.DoesNotContain(TestCards.Mastercard, exception.Message, StringComparison.Ordinal);
        Assert.Contains("555555******4444", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mask_ShortLength_HasNoStars()
    {
        string masked = Pan.Mask("123456", "7890", 10);

        Assert.Equal("1234567890", masked);
    }

    [Fact]
    public void Equals_SameDigits_EqualWithSameHash()
    {
        Pan a = TestCards.Parse(TestCards.Visa);
        Pan b = TestCards.Parse(TestCards.Visa);
        Pan c = TestCards.Parse(TestCards.Mastercard);

        Assert.True(a.Equals(b));
        Assert.True(a.Equals((object)b));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.False(a.Equals(c));
        Assert.False(a.Equals(null));
    }

    [Fact]
    public void CopyAsciiTo_WritesDigitsAsAscii()
    {
        Pan pan = TestCards.Parse(TestCards.Amex);
        var buffer = new byte[Pan.MaxLength];

        int written = pan.CopyAsciiTo(buffer);

        Assert.Equal(15, written);
        Assert.Equal(System.Text.Encoding.ASCII.GetBytes(TestCards.Amex), buffer[..written]);
    }

    [Fact]
    public void FromTrusted_InvalidDigits_ThrowsWithoutEchoingInput()
    {
        var exception = Assert.Throws<InvalidOperationException>(() => Pan.FromTrusted("4111111111111112"));

        Assert.DoesNotContain("4111111111111112", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromTrusted_ValidDigits_ReturnsPan()
    {
        Pan pan = Pan.FromTrusted(TestCards.Jcb);

        Assert.Equal(CardScheme.Jcb, pan.Scheme);
        Assert.Equal(TestCards.Jcb, pan.Reveal());
    }
}
