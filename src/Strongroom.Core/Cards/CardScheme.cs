namespace Strongroom.Core.Cards;

/// <summary>The card schemes Strongroom accepts: exactly the seven of Guardian's <c>card.scheme</c> enum.</summary>
public enum CardScheme
{
    Visa,
    Mastercard,
    AmericanExpress,
    Discover,
    DinersClub,
    Jcb,
    UnionPay,
}

/// <summary>Scheme detection from public IIN (BIN) ranges, and the wire names of each scheme.</summary>
public static class CardSchemes
{
    /// <summary>Guardian's lower-case wire name (<c>"american express"</c>, <c>"diners club"</c>, …).</summary>
    public static string WireName(this CardScheme scheme) => scheme switch
    {
        CardScheme.Visa => "visa",
        CardScheme.Mastercard => "mastercard",
        CardScheme.AmericanExpress => "american express",
        CardScheme.Discover => "discover",
        CardScheme.DinersClub => "diners club",
        CardScheme.Jcb => "jcb",
        CardScheme.UnionPay => "unionpay",
        _ => throw new ArgumentOutOfRangeException(nameof(scheme)),
    };

    /// <summary>
    /// Detects the scheme from the leading digits. Order matters: the more specific ranges
    /// (Discover's 6011/644–649/65) are tested before the broad UnionPay 62 prefix.
    /// Ranges are the publicly documented IIN allocations; an operator's BIN file refines funding
    /// and issuer later, not the scheme.
    /// </summary>
    public static CardScheme? Detect(ReadOnlySpan<char> digits)
    {
        if (digits.Length < 6)
        {
            return null;
        }

        int p1 = digits[0] - '0';
        int p2 = Prefix(digits, 2);
        int p3 = Prefix(digits, 3);
        int p4 = Prefix(digits, 4);

        if (p1 == 4)
        {
            return CardScheme.Visa;
        }

        if (p2 is >= 51 and <= 55 || p4 is >= 2221 and <= 2720)
        {
            return CardScheme.Mastercard;
        }

        if (p2 is 34 or 37)
        {
            return CardScheme.AmericanExpress;
        }

        if (p4 == 6011 || p3 is >= 644 and <= 649 || p2 == 65)
        {
            return CardScheme.Discover;
        }

        if (p4 is >= 3528 and <= 3589)
        {
            return CardScheme.Jcb;
        }

        if (p3 is >= 300 and <= 305 || p4 == 3095 || p2 is 36 or 38 or 39)
        {
            return CardScheme.DinersClub;
        }

        // UnionPay: 62 (including the 622126–622925 range that Discover also accepts) and the newer 8-series,
        // 8100–8171 only: 8172–8198 belongs to RuPay, which the vault does not support.
        if (p2 == 62 || p4 is >= 8100 and <= 8171)
        {
            return CardScheme.UnionPay;
        }

        return null;
    }

    private static int Prefix(ReadOnlySpan<char> digits, int length)
    {
        int value = 0;
        for (int i = 0; i < length; i++)
        {
            value = (value * 10) + (digits[i] - '0');
        }

        return value;
    }
}
