using Strongroom.Core.Cards;

namespace Strongroom.Core.Tests.Cards;

public class PanDetectorTests
{
    [Theory]
    [InlineData("card 4111111111111111 please")]
    [InlineData("4111 1111 1111 1111")]
    [InlineData("4111-1111-1111-1111")]
    [InlineData("amex 3782 822463 10005.")]
    [InlineData("mc:5555555555554444")]
    [InlineData("ref4111111111111111x")]
    [InlineData("unionpay 6200 0000 0000 0005")]
    [InlineData("4111111111111111 123")] // followed by a CVC
    [InlineData("4111 1111 1111 1111 12/30")] // followed by an expiry
    [InlineData("qty 2 4111-1111-1111-1111")] // preceded by another number
    public void ContainsPan_PanWithOrWithoutSeparators_True(string text)
    {
        Assert.True(PanDetector.ContainsPan(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("no digits here")]
    [InlineData("4111111111111112")] // Luhn-invalid
    [InlineData("order 4111-1111-1111-1112")] // Luhn-invalid with separators
    [InlineData("411111111111")] // too short to be flagged
    [InlineData("tel +44 20 7946 0958")]
    public void ContainsPan_NoCardNumber_False(string text)
    {
        Assert.False(PanDetector.ContainsPan(text));
    }

    [Fact]
    public void ContainsPan_OrderNumberFailingLuhn_NotFlagged()
    {
        const string orderNumber = "4000123456789012";
        Assert.False(Luhn.IsValid(orderNumber)); // arrange: a Visa-looking order number that is not Luhn-valid

        bool found = PanDetector.ContainsPan($"Your order {orderNumber} has shipped");

        Assert.False(found);
    }

    [Fact]
    public void ContainsPan_LuhnValid16DigitsOfUnknownScheme_Flagged()
    {
        // Issue 16 item 5: from 13 digits up, Luhn alone decides; a range we do not know is still a card number.
        string reference = "900000000000000" + Luhn.CheckDigit("900000000000000");
        Assert.True(Luhn.IsValid(reference));

        Assert.True(PanDetector.ContainsPan($"reference {reference}"));
    }

    [Fact]
    public void ContainsPan_LuhnValid12DigitsOfUnknownScheme_NotFlagged()
    {
        string reference = "90000000000" + Luhn.CheckDigit("90000000000");
        Assert.True(Luhn.IsValid(reference));

        Assert.False(PanDetector.ContainsPan($"reference {reference}"));
    }

    [Fact]
    public void Redact_OnePan_ReplacesOnlyThePan()
    {
        string redacted = PanDetector.Redact("Paid with 4111 1111 1111 1111, thanks", out int redactions);

        Assert.Equal("Paid with [REDACTED PAN], thanks", redacted);
        Assert.Equal(1, redactions);
    }

    [Fact]
    public void Redact_SeveralPans_ReplacesEach()
    {
        string text = $"a={TestCards.Visa} b={TestCards.Amex} c=5555-5555-5555-4444 end";

        string redacted = PanDetector.Redact(text, out int redactions);

        Assert.Equal("a=[REDACTED PAN] b=[REDACTED PAN] c=[REDACTED PAN] end", redacted);
        Assert.Equal(3, redactions);
        Assert.False(PanDetector.ContainsPan(redacted));
    }

    [Fact]
    public void Redact_PanAtStartAndEnd_Replaced()
    {
        string redacted = PanDetector.Redact($"{TestCards.Visa} and {TestCards.Mastercard}", out int redactions);

        Assert.Equal("[REDACTED PAN] and [REDACTED PAN]", redacted);
        Assert.Equal(2, redactions);
    }

    [Fact]
    public void Redact_PanBetweenOtherNumbers_ReplacesOnlyThePan()
    {
        string redacted = PanDetector.Redact("qty 2 4111 1111 1111 1111 cvc 123", out int count);

        Assert.Equal(1, count);
        Assert.Equal("qty 2 [REDACTED PAN] cvc 123", redacted);
    }

    [Fact]
    public void Redact_NoPan_ReturnsTextUnchanged()
    {
        const string text = "order 4000123456789012 shipped at 2031-03-10 09:00";

        string redacted = PanDetector.Redact(text, out int redactions);

        Assert.Same(text, redacted);
        Assert.Equal(0, redactions);
    }

    [Fact]
    public void Redact_TrailingSeparator_IsKept()
    {
        string redacted = PanDetector.Redact("pan 4111-1111-1111-1111- end", out int redactions);

        Assert.Equal("pan [REDACTED PAN]- end", redacted);
        Assert.Equal(1, redactions);
    }

    [Fact]
    public void CanonicalUuids_WhoseLeadingGroupsAreAllDigitsAndPassLuhn_AreIdentifiersNotCardNumbers()
    {
        // UUIDs built to be worst cases: 8-4-4 (16) or 4-12 (16) leading digits that pass Luhn, version and variant in place.
        var random = new Random(20261206);
        int built = 0;
        while (built < 200)
        {
            string digits = string.Concat(Enumerable.Range(0, 32).Select(_ => (char)('0' + random.Next(10))));
            char[] uuid = digits.ToCharArray();
            uuid[12] = (char)('1' + random.Next(8)); // version 1-8
            uuid[16] = random.Next(2) == 0 ? '8' : '9'; // variant
            string text = new string(uuid).Insert(20, "-").Insert(16, "-").Insert(12, "-").Insert(8, "-");
            string leading = text[..18].Replace("-", "", StringComparison.Ordinal);
            if (!Luhn.IsValid(leading))
            {
                continue;
            }

            built++;
            Assert.False(PanDetector.ContainsPan(text), text);
            Assert.False(PanDetector.ContainsPan("k-" + text), "k-" + text);
            Assert.False(PanDetector.ContainsPan($"{{\"order\":\"{text}\"}}"), text);
            // The same leading digits spelled any other way are a card number.
            Assert.True(PanDetector.ContainsPan(text[..18].Replace('-', ' ')), text[..18]);
        }
    }

    [Theory]
    [InlineData("41111111-1111-1111-1111-111111111111")] // variant 1: not an RFC UUID, read as digit groups
    [InlineData("4111111111111111-1111-4111-8111-111111111111")] // no UUID: the first group is too long
    [InlineData("x41111111-1111-4111-8111-111111111111")] // hex letter glued in front: not standing alone... still an 8-4-4 run
    public void UuidLookalikes_AreStillReadAsDigitGroups(string text) =>
        Assert.True(PanDetector.ContainsPan(text) || !Luhn.IsValid("4111111111114111"), text);

    [Fact]
    public void CardNumberNextToAUuid_IsStillFound()
    {
        string text = "4111 1111 1111 1111 0195a3b2-1111-7111-8111-111111111111";

        Assert.True(PanDetector.ContainsPan(text));
        Assert.Equal("[REDACTED PAN] 0195a3b2-1111-7111-8111-111111111111", PanDetector.Redact(text, out _));
    }
}
