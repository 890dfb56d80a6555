using System.Text;

namespace Strongroom.Testing;

/// <summary>One generated card number: its plain digits and the disguised text that carries it.</summary>
public sealed record DisguisedPan(string Digits, string Text, string Disguise)
{
    public override string ToString() => Disguise;
}

/// <summary>
/// Generates Luhn-valid card numbers (13–19 digits, from public test BINs) written the ways people hide
/// them from naive filters: grouped by dots, dashes, slashes, underscores and assorted Unicode spaces and
/// dashes; split by zero-width and other format characters; in Arabic-Indic, Extended Arabic-Indic,
/// Devanagari, Bengali, Thai, fullwidth and mathematical (supplementary-plane) digits, or a mixture.
/// Seeded, so a failure names a case that can be replayed.
/// </summary>
public sealed class PanDisguises(int seed)
{
    /// <summary>Issuer prefixes of public test cards (Visa, Mastercard 5- and 2-series, Amex, Discover, JCB, UnionPay, Diners), and one range no scheme table knows.</summary>
    public static readonly string[] Bins = ["411111", "555555", "222300", "378282", "601111", "353011", "620000", "362272", "990000"];

    /// <summary>The zero (U+...0) of each decimal digit script used; digit d is zero + d.</summary>
    private static readonly (string Name, int Zero)[] Scripts =
    [
        ("ascii", '0'),
        ("arabic-indic", 0x0660),
        ("extended-arabic-indic", 0x06F0),
        ("devanagari", 0x0966),
        ("bengali", 0x09E6),
        ("thai", 0x0E50),
        ("fullwidth", 0xFF10),
        ("math-bold", 0x1D7CE),
    ];

    private static readonly string[] Separators =
    [
        " ", ".", "-", "/", "_", "\u00A0", "\u2009", "\u202F", "\u3000", "\u2013", "\u2014", "\u2212", "\uFF0E", "\uFF0F", "\uFF0D", " - ", " / ", ". ", "  ",
    ];

    private static readonly string[] AsciiSeparators = [".", "-", "/", "_", "--", "-.", "./"];

    private static readonly string[] FormatCharacters = ["\u200B", "\u200C", "\u200D", "\u2060", "\uFEFF", "\u00AD", "\u200E", "\u200F", "\u2066", "\u2069", "\u061C", "\u180E"];

    private readonly Random _random = new(seed);

    /// <summary>A fresh card number: a test BIN, random middle digits, the Luhn check digit.</summary>
    public string NextPan(int? length = null)
    {
        string bin = Bins[_random.Next(Bins.Length)];
        int total = length ?? _random.Next(13, 20);
        var payload = new StringBuilder(bin[..Math.Min(bin.Length, total - 1)]);
        while (payload.Length < total - 1)
        {
            payload.Append((char)('0' + _random.Next(10)));
        }

        string digits = payload.ToString();
        return digits + Strongroom.Core.Cards.Luhn.CheckDigit(digits);
    }

    /// <summary>A card number in a random disguise; <paramref name="asciiOnly"/> keeps it to printable ASCII without spaces (for headers).</summary>
    public DisguisedPan Next(bool asciiOnly = false)
    {
        string digits = NextPan();
        int mode = asciiOnly ? 4 + _random.Next(2) : _random.Next(7);
        return mode switch
        {
            0 => Write(digits, "zero-width split", script: _ => 0, separators: [""], formats: true),
            1 => Write(digits, "one script", script: ScriptForAll(), separators: PickSeparators(Separators, 1), formats: false),
            2 => Write(digits, "mixed scripts", script: _ => _random.Next(Scripts.Length), separators: PickSeparators(Separators, 1), formats: false),
            3 => Write(digits, "mixed separators and format characters", script: ScriptForAll(), separators: PickSeparators(Separators, 3), formats: true),
            4 => Write(digits, "ascii dotted", script: _ => 0, separators: ["."], formats: false),
            5 => Write(digits, "ascii mixed separators", script: _ => 0, separators: PickSeparators(AsciiSeparators, 3), formats: false),
            _ => Write(digits, "every digit apart", script: ScriptForAll(), separators: PickSeparators(Separators, 2), formats: false, groupSize: 1),
        };
    }

    private Func<int, int> ScriptForAll()
    {
        int script = _random.Next(Scripts.Length);
        return _ => script;
    }

    private string[] PickSeparators(string[] from, int count) => [.. Enumerable.Range(0, count).Select(_ => from[_random.Next(from.Length)])];

    private DisguisedPan Write(string digits, string disguise, Func<int, int> script, string[] separators, bool formats, int? groupSize = null)
    {
        var text = new StringBuilder();
        var scriptsUsed = new SortedSet<string>(StringComparer.Ordinal);
        int inGroup = 0;
        int size = groupSize ?? _random.Next(2, 6);
        for (int i = 0; i < digits.Length; i++)
        {
            if (i > 0 && inGroup == size)
            {
                text.Append(separators[_random.Next(separators.Length)]);
                inGroup = 0;
            }

            if (i > 0 && formats && _random.Next(3) == 0)
            {
                text.Append(FormatCharacters[_random.Next(FormatCharacters.Length)]);
            }

            (string name, int zero) = Scripts[script(i)];
            scriptsUsed.Add(name);
            text.Append(char.ConvertFromUtf32(zero + (digits[i] - '0')));
            inGroup++;
        }

        return new DisguisedPan(digits, text.ToString(), $"{disguise} ({string.Join('+', scriptsUsed)}; groups of {size}; {Escape(text.ToString())})");
    }

    /// <summary>The text with every non-ASCII character as \uXXXX, so a failing case reads in a test log.</summary>
    public static string Escape(string text)
    {
        var builder = new StringBuilder();
        foreach (char c in text)
        {
            builder.Append(c is >= ' ' and <= '~' ? c.ToString() : $"\\u{(int)c:X4}");
        }

        return builder.ToString();
    }
}
