namespace Strongroom.Core.Cards;

/// <summary>
/// Card security code rules (CVC2/CVV2/CID): digits only, 4 for American Express, 3 for every other scheme.
/// The value itself is never persisted; see <c>ICvcStore</c>.
/// </summary>
public static class SecurityCode
{
    public static string? Validate(string value, CardScheme? scheme)
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

        return scheme switch
        {
            CardScheme.AmericanExpress when value.Length != 4 => "Security code must be 4 digits for American Express.",
            not null and not CardScheme.AmericanExpress when value.Length != 3 => "Security code must be 3 digits for this card scheme.",
            _ => null,
        };
    }
}
