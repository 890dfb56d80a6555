using System.Text;

namespace Strongroom.Client.Http;

/// <summary>
/// Masks runs of 12 or more digits (with the usual separators) in text that ends up in an exception message. The vault
/// never echoes card data in its errors; this is the client's own second line, so a proxy or a misbehaving destination
/// that does cannot put a card number into a log through us.
/// </summary>
internal static class CardNumberScrubber
{
    private const int MinDigits = 12;

    public static string Scrub(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var output = new StringBuilder(text.Length);
        int index = 0;
        while (index < text.Length)
        {
            if (!char.IsAsciiDigit(text[index]))
            {
                output.Append(text[index++]);
                continue;
            }

            // A run of digits, spaces and dashes that starts and ends with a digit.
            int end = index;
            int digits = 0;
            int lastDigit = index;
            while (end < text.Length && (char.IsAsciiDigit(text[end]) || text[end] is ' ' or '-'))
            {
                if (char.IsAsciiDigit(text[end]))
                {
                    digits++;
                    lastDigit = end;
                }

                end++;
            }

            if (digits >= MinDigits)
            {
                output.Append("[card number removed]");
            }
            else
            {
                output.Append(text, index, lastDigit - index + 1);
            }

            index = lastDigit + 1;
        }

        return output.ToString();
    }
}
