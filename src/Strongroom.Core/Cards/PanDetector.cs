using System.Globalization;
using System.Text;

namespace Strongroom.Core.Cards;

/// <summary>
/// The one rule for "this text holds a card number", used to refuse PANs in every clear-text field the
/// vault stores or echoes (<see cref="FreeText"/>, token metadata, cardholder names, BIN files) and to
/// redact log output as a last line of defence.
/// </summary>
/// <remarks>
/// <para>
/// The text is read as a sequence of digit groups. A digit is any Unicode decimal digit (category Nd, so
/// Arabic-Indic <c>٤</c>, fullwidth <c>４</c>, Devanagari <c>४</c> and supplementary-plane digits such as
/// mathematical bold <c>𝟒</c> count as the digit they stand for). Groups are joined by runs of separators:
/// whitespace (any Unicode space, including no-break and thin spaces), dots, dashes (any Unicode dash and
/// the minus sign), slashes, underscores and their fullwidth forms. Format characters (zero-width space and
/// joiners, word joiner, BOM, soft hyphen, bidi marks) and combining marks are invisible on screen, so they
/// are skipped wherever they appear, even inside a group. Anything else (a letter, a colon, a comma) ends
/// the run.
/// </para>
/// <para>
/// A card number is any consecutive sequence of whole groups holding 13–19 digits that passes Luhn (so a
/// card number followed by a CVC or preceded by a quantity is still found), or 12 digits that pass Luhn and
/// start like a scheme we know (the vault accepts 12-digit Maestro cards, but a bare Luhn-valid 12-digit
/// number is too common — phone numbers, references — to refuse on Luhn alone). From 13 digits up no scheme
/// prefix is required: issuers keep getting new ranges (Mastercard's 2-series, private-label and fleet cards,
/// the 8- and 9-series), and a PAN we fail to recognise ends up on disk in clear, while a false positive
/// costs the caller a 422 asking for different text. A single group longer than 19 digits is not a card number.
/// </para>
/// <para>
/// False positives this rule accepts: about one in ten bare 13–19 digit numbers passes Luhn (a 13-digit
/// epoch-millisecond timestamp, a long order number). ISO-8601 timestamps are safe: their colons and <c>T</c>
/// break them into groups too short to add up.
/// </para>
/// <para>
/// A canonical RFC 9562 UUID (<c>8-4-4-4-12</c> ASCII hex, version 1–8, variant <c>8</c>–<c>b</c>, standing alone) is
/// read as one identifier, not as digit groups. About one random UUID in 7,000 has leading groups that are all
/// digits and pass Luhn, and UUIDs are what clients use as idempotency keys, order references and token ids in
/// metadata: refusing those would fail one request in thousands for nothing. The cost is that a card number
/// deliberately dressed as a valid UUID (its version and variant digits in place) is not found, which no
/// accidental paste produces; any other spelling of the same digits is.
/// </para>
/// </remarks>
public static partial class PanDetector
{
    /// <summary>The shortest run flagged on Luhn alone.</summary>
    public const int MinLength = 13;

    /// <summary>The shortest run flagged at all (with a known scheme prefix).</summary>
    public const int MinSchemeLength = Pan.MinLength;

    public static bool ContainsPan(string? text) => text is not null && CountDigits(text) >= MinSchemeLength && FindPans(text).Any();

    /// <summary>Replaces every PAN-looking run with <c>[REDACTED PAN]</c>.</summary>
    public static string Redact(string text, out int redactions)
    {
        redactions = 0;
        if (CountDigits(text) < MinSchemeLength)
        {
            return text;
        }

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

    /// <summary>
    /// An upper bound on the digits in the text (every non-ASCII character counts, so the check never
    /// misses one): a text with fewer digits than the shortest PAN cannot hold one. Checked first, without
    /// allocating, because that is the usual case.
    /// </summary>
    private static int CountDigits(string text)
    {
        int digits = 0;
        foreach (char c in text)
        {
            if (char.IsAsciiDigit(c) || c > '\u007f')
            {
                digits++;
            }
        }

        return digits;
    }

    private static IEnumerable<(int Start, int End)> FindPans(string text)
    {
        // UUIDs are masked out with letters of the same length, so positions still refer to the caller's text.
        if (text.Length >= 36 && text.Contains('-', StringComparison.Ordinal) && CanonicalUuid().IsMatch(text))
        {
            text = CanonicalUuid().Replace(text, m => new string('x', m.Length));
        }

        int i = 0;
        while (i < text.Length)
        {
            if (DigitAt(text, i, out _) is not int firstWidth)
            {
                i++;
                continue;
            }

            // Collect the run: digit groups joined by separators, format characters skipped throughout.
            var groups = new List<Group>();
            int j = i;
            while (true)
            {
                var group = new Group(j);
                while (j < text.Length)
                {
                    if (DigitAt(text, j, out int value) is int width)
                    {
                        group.Digits.Append((char)('0' + value));
                        j += width;
                        group.End = j;
                    }
                    else if (IsInvisible(text, j, out int skip))
                    {
                        j += skip;
                    }
                    else
                    {
                        break;
                    }
                }

                groups.Add(group);
                int next = j;
                bool sawSeparator = false;
                while (next < text.Length)
                {
                    if (IsSeparator(text[next]))
                    {
                        sawSeparator = true;
                        next++;
                    }
                    else if (IsInvisible(text, next, out int skip))
                    {
                        next += skip;
                    }
                    else
                    {
                        break;
                    }
                }

                if (sawSeparator && next < text.Length && DigitAt(text, next, out _) is not null)
                {
                    j = next;
                    continue;
                }

                j = group.End;
                break;
            }

            foreach ((int start, int end) in CardNumbersIn(groups))
            {
                yield return (start, end);
            }

            i = Math.Max(j, i + firstWidth);
        }
    }

    /// <summary>Every consecutive sequence of whole groups that reads as a card number; found spans never overlap.</summary>
    private static IEnumerable<(int Start, int End)> CardNumbersIn(List<Group> groups)
    {
        int reportedUntil = -1;
        var digits = new StringBuilder(Pan.MaxLength + 1);
        for (int first = 0; first < groups.Count; first++)
        {
            if (groups[first].Start < reportedUntil)
            {
                continue;
            }

            digits.Clear();
            for (int last = first; last < groups.Count; last++)
            {
                digits.Append(groups[last].Digits);
                if (digits.Length > Pan.MaxLength)
                {
                    break;
                }

                if (digits.Length >= MinSchemeLength && IsCardNumber(digits.ToString()))
                {
                    yield return (groups[first].Start, groups[last].End);
                    reportedUntil = groups[last].End;
                    break;
                }
            }
        }
    }

    private static bool IsCardNumber(string digits) =>
        Luhn.IsValid(digits) && (digits.Length >= MinLength || CardSchemes.Detect(digits) is not null);

    /// <summary>The UTF-16 width of the decimal digit at <paramref name="index"/> (and its value), or null.</summary>
    private static int? DigitAt(string text, int index, out int value)
    {
        char c = text[index];
        if (char.IsAsciiDigit(c))
        {
            value = c - '0';
            return 1;
        }

        value = 0;
        if (c <= '\u007f' || Rune.DecodeFromUtf16(text.AsSpan(index), out Rune rune, out int width) != System.Buffers.OperationStatus.Done
            || Rune.GetUnicodeCategory(rune) != UnicodeCategory.DecimalDigitNumber)
        {
            return null;
        }

        value = (int)Rune.GetNumericValue(rune);
        return width;
    }

    /// <summary>Format characters and combining marks: zero-width, so a reader sees straight through them.</summary>
    private static bool IsInvisible(string text, int index, out int width)
    {
        width = 1;
        if (text[index] <= '\u007f' || Rune.DecodeFromUtf16(text.AsSpan(index), out Rune rune, out width) != System.Buffers.OperationStatus.Done)
        {
            return false;
        }

        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.Format or UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark;
    }

    private static bool IsSeparator(char c) =>
        c is '.' or '-' or '/' or '_' or '\\'
            or '\u00b7' // middle dot
            or '\u2024' or '\u2027' or '\u2044' or '\u2212' or '\u2215' or '\u2219' // one dot leader, hyphenation point, fraction slash, minus, division slash, bullet operator
            or '\u3002' or '\u30fb' or '\ufe52' or '\uff0e' or '\uff0f' or '\uff3c' or '\uff3f' or '\uff61' or '\uff65' // ideographic, small and fullwidth forms
        || char.IsWhiteSpace(c)
        || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.SpaceSeparator or UnicodeCategory.DashPunctuation;

    /// <summary>One group of digits: where it starts and ends in the text, and its digits in ASCII.</summary>
    private sealed class Group(int start)
    {
        public int Start { get; } = start;

        public int End { get; set; } = start;

        public StringBuilder Digits { get; } = new();
    }

    [System.Text.RegularExpressions.GeneratedRegex(
        "(?<![0-9A-Za-z])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}(?![0-9A-Za-z])",
        System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex CanonicalUuid();
}
