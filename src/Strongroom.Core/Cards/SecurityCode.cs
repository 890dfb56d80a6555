namespace Strongroom.Core.Cards;

/// <summary>
/// Card security code rules (CVC2/CVV2/CID). By default a code is 3 or 4 digits for every scheme, exactly what Guardian's schema
/// accepts: issuers differ (some non-Amex cards print 4 digits), and refusing what the contract allows breaks integrations.
/// A tenant may opt in to scheme-specific lengths (4 for American Express, 3 otherwise; see <see cref="CardRules"/>).
/// The value itself is never persisted; see <c>ISecurityCodeStore</c>.
/// </summary>
public static class SecurityCode
{
    /// <summary>The failed rule, or null. <paramref name="schemeLengths"/> adds the per-scheme length rule.</summary>
    public static string? Validate(string value, CardScheme? scheme, bool schemeLengths = false)
    {
        if (value.Length is < 3 or > 4)
        {
            return "Security code must be 3 or 4 digits.";
        }

        foreach (char c in value)
        {
            if (!char.IsAsciiDigit(c))
            {
                return "Security code must contain digits only.";
            }
        }

        return schemeLengths && scheme is CardScheme known ? SchemeLengthError(value, known) : null;
    }

    /// <summary>The per-scheme length rule alone (for a code already known to be 3 or 4 digits).</summary>
    public static string? SchemeLengthError(string value, CardScheme scheme) => scheme switch
    {
        CardScheme.AmericanExpress when value.Length != 4 => "Security code must be 4 digits for American Express.",
        not CardScheme.AmericanExpress when value.Length != 3 => "Security code must be 3 digits for this card scheme.",
        _ => null,
    };
}
