using Strongroom.Core.Cards;
using Strongroom.Core.Tokens;

namespace Strongroom.Core.Tests.InboundProxy;

public sealed class FormatPreservingAliasTests
{
    [Theory]
    [InlineData(TestCards.Visa)]
    [InlineData(TestCards.Mastercard)]
    [InlineData(TestCards.Amex)]
    [InlineData("4222222222222")]
    [InlineData("6011000990139424")]
    public void Create_KeepsLengthFirstSixLastFour_DigitsOnly_LuhnInvalid(string number)
    {
        Assert.True(Pan.TryParse(number, out Pan? pan, out _));

        for (int i = 0; i < 200; i++)
        {
            string alias = FormatPreservingAlias.Create(pan!);

            Assert.Equal(number.Length, alias.Length);
            Assert.Equal(number[..6], alias[..6]);
            Assert.Equal(number[^4..], alias[^4..]);
            Assert.All(alias, c => Assert.True(char.IsAsciiDigit(c)));
            Assert.False(Luhn.IsValid(alias));
            Assert.NotEqual(number, alias);
            Assert.True(FormatPreservingAlias.IsWellFormed(alias));
            Assert.False(PanDetector.ContainsPan(alias));
        }
    }

    [Fact]
    public void Create_DrawsTheMiddleAtRandom()
    {
        Assert.True(Pan.TryParse(TestCards.Visa, out Pan? pan, out _));

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < 50; i++)
        {
            seen.Add(FormatPreservingAlias.Create(pan!));
        }

        // 50 draws out of 900,000: a repeat is possible but many repeats mean the middle is not random.
        Assert.True(seen.Count >= 45, $"only {seen.Count} distinct aliases in 50 draws");
    }

    [Theory]
    [InlineData(16, 900_000L)]
    [InlineData(15, 90_000L)]
    [InlineData(13, 900L)]
    [InlineData(19, 900_000_000L)]
    public void CandidateCount_IsNineTenthsOfTheMiddleSpace(int length, long expected) =>
        Assert.Equal(expected, FormatPreservingAlias.CandidateCount(length));

    [Theory]
    [InlineData(TestCards.Visa)]
    [InlineData("not-digits-000000")]
    [InlineData("12345678901")]
    [InlineData("12345678901234567890")]
    [InlineData("")]
    [InlineData(null)]
    public void IsWellFormed_RefusesCardsAndNonAliases(string? value) => Assert.False(FormatPreservingAlias.IsWellFormed(value));
}
