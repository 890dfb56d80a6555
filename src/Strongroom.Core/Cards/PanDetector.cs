using System.Text;

namespace Strongroom.Core.Cards;

/// <summary>
/// Finds things that look like card numbers in free text: runs of 12–19 digits, optionally separated
/// by single spaces or dashes, that pass Luhn and carry a known scheme prefix. Used to refuse PANs in clear-text fields and to redact
/// log output as a last line of defence.
/// </summary>
public static class PanDetector
{
    public static bool ContainsPan(string text) => FindPans(text).Any();

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
            if (!char.IsAsciiDigit(text[i]) || (i > 0 && char.IsAsciiDigit(text[i - 1])))
            {
                i++;
                continue;
            }

            // Collect a run of digits with optional single separators.
            int start = i;
            int end = i;
            var run = new StringBuilder(24);
            int j = i;
            while (j < text.Length)
            {
                char c = text[j];
                if (char.IsAsciiDigit(c))
                {
                    run.Append(c);
                    end = j + 1;
                    j++;
                }
                else if ((c == ' ' || c == '-') && j + 1 < text.Length && char.IsAsciiDigit(text[j + 1]) && run.Length > 0)
                {
                    j++;
                }
                else
                {
                    break;
                }
            }

            // A whole run of 12–19 digits that passes Luhn and starts like a card we know.
            // (Testing every window of a longer run would flag one in ten order numbers and timestamps.)
            string candidate = run.ToString();
            bool found = candidate.Length is >= Pan.MinLength and <= Pan.MaxLength
                && Luhn.IsValid(candidate)
                && CardSchemes.Detect(candidate) is not null;

            if (found)
            {
                yield return (start, end);
            }

            i = j;
        }
    }
}
