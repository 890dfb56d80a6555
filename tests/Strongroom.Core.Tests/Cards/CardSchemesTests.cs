using Strongroom.Core.Cards;

namespace Strongroom.Core.Tests.Cards;

public class CardSchemesTests
{
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
    public void Detect_PublicTestPan_ReturnsScheme(string pan, CardScheme expected)
    {
        CardScheme? scheme = CardSchemes.Detect(pan);

        Assert.Equal(expected, scheme);
    }

    [Fact]
    public void Detect_AllSevenSchemesCovered_ByTheTestPans()
    {
        string[] pans = [TestCards.Visa, TestCards.Mastercard, TestCards.Amex, TestCards.Discover, TestCards.DinersClub14, TestCards.Jcb, TestCards.UnionPay];

        var detected = pans.Select(p => CardSchemes.Detect(p)).ToHashSet();

        Assert.Equal(Enum.GetValues<CardScheme>().Cast<CardScheme?>().ToHashSet(), detected);
    }

    [Theory]
    [InlineData("222100", CardScheme.Mastercard)]
    [InlineData("272099", CardScheme.Mastercard)]
    [InlineData("510000", CardScheme.Mastercard)]
    [InlineData("559999", CardScheme.Mastercard)]
    [InlineData("340000", CardScheme.AmericanExpress)]
    [InlineData("370000", CardScheme.AmericanExpress)]
    [InlineData("601100", CardScheme.Discover)]
    [InlineData("644000", CardScheme.Discover)]
    [InlineData("649999", CardScheme.Discover)]
    [InlineData("650000", CardScheme.Discover)]
    [InlineData("352800", CardScheme.Jcb)]
    [InlineData("358999", CardScheme.Jcb)]
    [InlineData("300000", CardScheme.DinersClub)]
    [InlineData("305999", CardScheme.DinersClub)]
    [InlineData("309500", CardScheme.DinersClub)]
    [InlineData("360000", CardScheme.DinersClub)]
    [InlineData("380000", CardScheme.DinersClub)]
    [InlineData("390000", CardScheme.DinersClub)]
    [InlineData("622126", CardScheme.UnionPay)]
    [InlineData("620000", CardScheme.UnionPay)]
    [InlineData("810000", CardScheme.UnionPay)]
    [InlineData("817199", CardScheme.UnionPay)]
    public void Detect_RangeBoundaries_ReturnsScheme(string prefix, CardScheme expected)
    {
        CardScheme? scheme = CardSchemes.Detect(prefix + "0000000000");

        Assert.Equal(expected, scheme);
    }

    [Theory]
    [InlineData("817200")] // RuPay, not UnionPay
    [InlineData("819999")]
    [InlineData("222099")]
    [InlineData("272100")]
    [InlineData("500000")]
    [InlineData("560000")]
    [InlineData("352799")]
    [InlineData("359000")]
    [InlineData("306000")]
    [InlineData("601200")]
    [InlineData("643999")]
    [InlineData("100000")]
    [InlineData("900000")]
    public void Detect_OutsideKnownRanges_ReturnsNull(string prefix)
    {
        CardScheme? scheme = CardSchemes.Detect(prefix + "0000000000");

        Assert.Null(scheme);
    }

    [Theory]
    [InlineData("")]
    [InlineData("4")]
    [InlineData("41111")]
    public void Detect_FewerThanSixDigits_ReturnsNull(string digits)
    {
        CardScheme? scheme = CardSchemes.Detect(digits);

        Assert.Null(scheme);
    }

    [Theory]
    [InlineData(CardScheme.Visa, "visa")]
    [InlineData(CardScheme.Mastercard, "mastercard")]
    [InlineData(CardScheme.AmericanExpress, "american express")]
    [InlineData(CardScheme.Discover, "discover")]
    [InlineData(CardScheme.DinersClub, "diners club")]
    [InlineData(CardScheme.Jcb, "jcb")]
    [InlineData(CardScheme.UnionPay, "unionpay")]
    public void WireName_EachScheme_IsGuardianName(CardScheme scheme, string expected)
    {
        string name = scheme.WireName();

        Assert.Equal(expected, name);
    }

    [Fact]
    public void WireName_UndefinedScheme_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ((CardScheme)99).WireName());
    }
}
