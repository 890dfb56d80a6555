using System.Text;

namespace Strongroom.Core.Cards;

/// <summary>
/// Finds things that look like card numbers in free text: runs of 12–19 digits, optionally separated
/// by single spaces or dashes, that pass Luhn and carry a known scheme prefix. Used to refuse PANs in clear-text fields and to redact
/// log output as a last line of defence.
/// </summary>
public static class PanDetector
{
    public static bool ContainsPan(string text) => CountDigits(text) >= Pan.MinLength && FindPans(text).Any();

    /// <summary>A text with fewer digits than the shortest PAN cannot hold one: checked first, without allocating (the usual case).</summary>
    private static int CountDigits(string text)
    {
        int digits = 0;
        foreach (char c in text)
        {
            if (char.IsAsciiDigit(c))
            {
                digits++;
            }
        }

        return digits;
    }

    /// <summary>Replaces every PAN-looking run with <c>[REDACTED PAN]</c>.</summary>
    public static string Redact(string text, out int redactions)
    {
        redactions = 0;
        List<(int Start, int End)>? spans = null;
        foreach ((int start, int end) in FindPans(text))
        {
            (spans ??= []).Add((start, end));
        }

        if (spans is null)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        int position = 0;
        foreach ((int start, int end) in spans)
        {
            builder.Append(text, position, start - position).Append("[REDACTED PAN]");
            position = end;
        }

        builder.Append(text, position, text.Length - position);
        redactions = spans.Count;
        return builder.ToString();
    }

    private static IEnumerable<(int Start, int End)> FindPans(string text)
    {
        int i = 0;
        while (i < text.Length)
        {
            if (!char.IsAsciiDigit(text[i]))
            {
                i++;
                continue;
            }

            // Collect a run of digit groups joined by single spaces or dashes: "4111 1111 1111 1111 123".
            var groups = new List<(int Start, int End)>();
            int j = i;
            while (true)
            {
                int groupStart = j;
                while (j < text.Length && char.IsAsciiDigit(text[j]))
                {
                    j++;
                }

                groups.Add((groupStart, j));
                if (j + 1 < text.Length && text[j] is ' ' or '-' && char.IsAsciiDigit(text[j + 1]))
                {
                    j++;
                    continue;
                }

                break;
            }

            // A PAN is any consecutive sequence of whole groups holding 12–19 digits that passes Luhn
            // and starts like a card we know; so a card number followed by a CVC or preceded by a
            // quantity is still found. A single glued run longer than 19 digits is not a card number.
            int reportedUntil = -1;
            for (int first = 0; first < groups.Count; first++)
            {
                var digits = new StringBuilder(Pan.MaxLength);
                for (int last = first; last < groups.Count; last++)
                {
                    digits.Append(text, groups[last].Start, groups[last].End - groups[last].Start);
                    if (digits.Length > Pan.MaxLength)
                    {
                        break;
                    }

                    if (digits.Length >= Pan.MinLength && groups[first].Start >= reportedUntil && IsCardNumber(digits.ToString()))
                    {
                        yield return (groups[first].Start, groups[last].End);
                        reportedUntil = groups[last].End;
                        break;
                    }
                }
            }

            i = j;
        }
    }

    private static bool IsCardNumber(string digits) => Luhn.IsValid(digits) && CardSchemes.Detect(digits) is not null;
}
