using System.Globalization;
using Strongroom.Core.Cards;

namespace Strongroom.Core.Tests.Cards;

/// <summary>
/// A set of leading-digit rules written as in IIN tables: <c>"4 2221-2720 650031-650033"</c>. A single entry is a prefix;
/// <c>a-b</c> (both of the same width) matches when the number's first that-many digits, as an integer, lie in [a, b].
/// </summary>
internal sealed class PrefixSet
{
    private readonly (string Low, string High)[] _entries;

    public PrefixSet(string spec)
    {
        Spec = spec;
        _entries = spec.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(entry => entry.Split('-') switch
            {
                [string single] => (single, single),
                [string low, string high] when low.Length == high.Length => (low, high),
                _ => throw new ArgumentException($"Bad prefix entry '{entry}' in '{spec}'.", nameof(spec)),
            })
            .ToArray();
    }

    public string Spec { get; }

    public bool Matches(string number) => _entries.Any(entry =>
        number.Length >= entry.Low.Length
        && string.CompareOrdinal(number, 0, entry.Low, 0, entry.Low.Length) >= 0
        && string.CompareOrdinal(number, 0, entry.High, 0, entry.High.Length) <= 0);

    /// <summary>A random prefix inside a random entry (all digits of the entry's width).</summary>
    public string Pick(Random random)
    {
        (string low, string high) = _entries[random.Next(_entries.Length)];
        long value = random.NextInt64(long.Parse(low, CultureInfo.InvariantCulture), long.Parse(high, CultureInfo.InvariantCulture) + 1);
        return value.ToString(CultureInfo.InvariantCulture).PadLeft(low.Length, '0');
    }

    public override string ToString() => Spec;
}

/// <summary>
/// A documented, deliberate disagreement on the scheme: numbers under <see cref="Prefixes"/> that Strongroom calls
/// <see cref="Ours"/> (a wire name, or null for "not supported") and card-validator calls <see cref="Theirs"/>
/// (its own type name, or null).
/// </summary>
internal sealed record SchemeDifference(string Category, string? Ours, string? Theirs, PrefixSet Prefixes)
{
    public bool Explains(string number, string? ours, string? theirs) =>
        string.Equals(ours, Ours, StringComparison.Ordinal) && string.Equals(theirs, Theirs, StringComparison.Ordinal) && Prefixes.Matches(number);
}

/// <summary>
/// Where Strongroom and Braintree's card-validator (10.0.4, with credit-card-type 10.3.0) knowingly differ, and the
/// deterministic corpus the comparison runs on. Every entry below is a precise prefix rule taken from the schemes'
/// public IIN tables and from credit-card-type's lib/card-types.js; a disagreement not explained here fails the test.
/// </summary>
internal static class SchemeCorpus
{
    public const int Seed = 7812; // ISO/IEC 7812, the card numbering standard

    /// <summary>Card-validator's types for the seven schemes, mapped to Strongroom's wire names.</summary>
    public static readonly IReadOnlyDictionary<string, string> TheirTypeToOurWireName = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["visa"] = "visa",
        ["mastercard"] = "mastercard",
        ["american-express"] = "american express",
        ["discover"] = "discover",
        ["diners-club"] = "diners club",
        ["jcb"] = "jcb",
        ["unionpay"] = "unionpay",
    };

    /// <summary>
    /// The lengths card-validator accepts for each scheme (credit-card-type's <c>lengths</c>). Strongroom accepts 12–19
    /// digits for every scheme (ISO/IEC 7812 PAN lengths; the issuer's BIN data refines them), so a Luhn-valid number of
    /// an agreed scheme whose length is in 12–19 but not in this list is a known length difference, and nothing else is.
    /// </summary>
    public static readonly IReadOnlyDictionary<CardScheme, int[]> TheirLengths = new Dictionary<CardScheme, int[]>
    {
        [CardScheme.Visa] = [16, 18, 19],
        [CardScheme.Mastercard] = [16],
        [CardScheme.AmericanExpress] = [15],
        [CardScheme.DinersClub] = [14, 16, 19],
        [CardScheme.Discover] = [16, 19],
        [CardScheme.Jcb] = [16, 17, 18, 19],
        [CardScheme.UnionPay] = [14, 15, 16, 17, 18, 19],
    };

    /// <summary>
    /// The known scheme differences. credit-card-type picks the longest matching pattern, so another brand's BIN inside
    /// one of our broad ranges wins there; and it knows brands outside Guardian's seven schemes, which Strongroom rejects.
    /// </summary>
    public static readonly SchemeDifference[] KnownDifferences =
    [
        // Brands card-validator carves out of our seven schemes' ranges. These cards are acquired on the host scheme's
        // network (Elo/Troy on Discover, Naranja on Visa/Mastercard), so the host scheme is the right answer for Guardian.
        new("Elo BINs inside Visa 4", "visa", "elo", new("401178 401179 431274 438935 451416 457393 457631 457632")),
        new("Naranja BIN inside Visa 4", "visa", "naranja", new("402918")),
        new("Maestro BIN inside Visa 4", "visa", "maestro", new("493698")),
        new("Naranja BIN inside Mastercard 51-55", "mastercard", "naranja", new("527572")),
        new(
            "Elo BINs inside Discover 65",
            "discover",
            "elo",
            new("650031-650033 650035-650051 650405-650439 650485-650538 650541-650598 650700-650718 650720-650727 650901-650978 651652-651679 655000-655019 655021-655058")),
        new(
            "Troy BINs inside Discover 65",
            "discover",
            "troy",
            new("650052 650082-650083 650092 650161 650170 650173 650175 650268 650271 650273-650274 650456-650457 650836 650846-650850 650923 "
                + "650987 650990 654997 657366 657998 658758 658767-658768 65083700-65083704 65085800-65085804 65085900-65085901 65086000 "
                + "65086100-65086105 65086200-65086203 65875000-65875003 65875009 65875101-65875104 65875200 65875501 65875601 65875900 "
                + "65876000-65876002 65876100-65876103 65876110 65876115-65876116 65876200-65876201 65876500 65876504-65876505 "
                + "65876600-65876602 65877100-65877101 65877600-65877602 65877700 65877801-65877802 65878200-65878202 65878300-65878311 "
                + "65878400-65878405 65878500-65878505 65878600-65878601 65879800 65880800 65880900")),
        new("Elo BIN inside UnionPay 62", "unionpay", "elo", new("627780")),

        // credit-card-type lists UnionPay's 62 range as sub-ranges; what it leaves out falls to its Maestro catch-all "6".
        // UnionPay's IIN range is all of 62, so Strongroom keeps these.
        new("UnionPay 62 sub-ranges credit-card-type leaves to Maestro", "unionpay", "maestro", new("62183 62198-62199 6271 6273-6275 6278-6281 6290 6293-6299")),

        // Diners Club International's 3095 range (Diners/Discover IIN table); credit-card-type has only 300-305, 36, 38, 39.
        new("Diners Club 3095, unknown to credit-card-type", "diners club", null, new("3095")),

        // Brands and ranges Strongroom does not support (not in Guardian's seven schemes): we reject, card-validator names them.
        new("JCB legacy 15-digit ranges 1800, 2131 (not supported)", null, "jcb", new("1800 2131")),
        new("Mir 2200-2204 (not supported)", null, "mir", new("2200-2204")),
        new(
            "Maestro ranges outside our schemes (not supported)",
            null,
            "maestro",
            new("500000-504174 504176-506698 506779-508999 56-59 60 61 63 640-643 66-69")),
        new("Elo BINs outside our schemes (not supported)", null, "elo", new("504175 506699-506778 509000-509999 636297 636368")),
        new(
            "Verve BINs (not supported)",
            null,
            "verve",
            new("506099-506127 506129 506133-506150 506158-506163 506166 506168 506170 506173 506176-506180 506184 506187-506188 "
                + "506191 506195 506197 507865 507866 507868-507877 507880-507888 507900 507941")),
        new("Hiper BINs (not supported)", null, "hiper", new("637095 63737423 63743358 637568 637599 637609 637612")),
        new("Hipercard BIN (not supported)", null, "hipercard", new("606282")),
        new("Naranja BIN 589562 (not supported)", null, "naranja", new("589562")),
        new("Troy 9792 (not supported)", null, "troy", new("9792")),
    ];

    /// <summary>Our seven schemes' documented IIN ranges and their usual lengths (what CardSchemes.Detect implements).</summary>
    private static readonly (CardScheme Scheme, PrefixSet Ranges, int[] Lengths)[] OurRanges =
    [
        (CardScheme.Visa, new("4"), [13, 16, 19]),
        (CardScheme.Mastercard, new("51-55 2221-2720"), [16]),
        (CardScheme.AmericanExpress, new("34 37"), [15]),
        (CardScheme.Discover, new("6011 644-649 65"), [16, 19]),
        (CardScheme.Jcb, new("3528-3589"), [16, 19]),
        (CardScheme.DinersClub, new("300-305 3095 36 38 39"), [14, 16, 19]),
        (CardScheme.UnionPay, new("62 8100-8171"), [16, 19]),
    ];

    /// <summary>Both sides of every range edge, and first digits no scheme uses.</summary>
    private static readonly string[] BoundaryPrefixes =
    [
        "2199", "2200", "2204", "2205", "2220", "2221", "2229", "2230", "2299", "2300", "2699", "2700", "2719", "2720", "2721",
        "299", "300", "305", "306", "309", "3094", "3095", "3096", "33", "34", "35", "3527", "3528", "3589", "3590", "36", "37", "38", "39",
        "3", "40", "49", "4999", "50", "5099", "51", "55", "5599", "56", "59",
        "6010", "6011", "6012", "601", "6019", "643", "644", "649", "650", "659", "660", "61", "620", "6219", "622125", "622126",
        "622925", "622926", "6299", "63", "80", "8099", "810", "8171", "8172", "8199", "82", "0", "1", "7", "9",
    ];

    /// <summary>
    /// About 20,000 distinct numbers, the same on every run: per scheme, random prefixes inside its ranges at its usual
    /// lengths; per scheme every length from 11 to 20; both sides of every range edge at lengths 12–19; a sample of every
    /// known-difference rule; and numbers starting 0, 1, 7, 8 (not 81) or 9. Each is generated twice, with the correct
    /// Luhn check digit and with a wrong one.
    /// </summary>
    public static IReadOnlyList<string> Generate()
    {
        var random = new Random(Seed);
        var numbers = new List<string>(21_000);
        var seen = new HashSet<string>(StringComparer.Ordinal);

        void AddPair(string prefix, int length)
        {
            var payload = new System.Text.StringBuilder(prefix, length);
            while (payload.Length < length - 1)
            {
                payload.Append((char)('0' + random.Next(10)));
            }

            string body = payload.ToString(0, length - 1);
            char check = Luhn.CheckDigit(body);
            char wrong = (char)('0' + ((check - '0' + 1 + random.Next(9)) % 10));
            foreach (string number in new[] { body + check, body + wrong })
            {
                if (seen.Add(number))
                {
                    numbers.Add(number);
                }
            }
        }

        foreach ((_, PrefixSet ranges, int[] lengths) in OurRanges)
        {
            for (int i = 0; i < 800; i++)
            {
                AddPair(ranges.Pick(random), lengths[random.Next(lengths.Length)]);
            }

            for (int length = 11; length <= 20; length++)
            {
                for (int i = 0; i < 20; i++)
                {
                    AddPair(ranges.Pick(random), length);
                }
            }
        }

        foreach (string prefix in BoundaryPrefixes)
        {
            for (int length = 12; length <= 19; length++)
            {
                AddPair(prefix, length);
                AddPair(prefix, length);
            }
        }

        foreach (SchemeDifference difference in KnownDifferences)
        {
            for (int i = 0; i < 40; i++)
            {
                AddPair(difference.Prefixes.Pick(random), 16);
            }
        }

        foreach (string first in new[] { "0", "1", "7", "80", "82", "83", "84", "85", "86", "87", "88", "89", "9" })
        {
            for (int i = 0; i < 100; i++)
            {
                AddPair(first, 12 + random.Next(8));
            }
        }

        return numbers;
    }
}
