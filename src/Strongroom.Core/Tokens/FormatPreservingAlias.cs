using System.Security.Cryptography;
using Strongroom.Core.Cards;

namespace Strongroom.Core.Tokens;

/// <summary>
/// Format-preserving aliases: a stand-in for a card number, for backends whose columns expect a card-shaped value. An alias
/// has the card's length, keeps its first six and last four digits, is digits only, and its middle digits are drawn at random
/// (CSPRNG) until the whole fails the Luhn check, so no alias is ever a valid card number and no detector mistakes it for one.
/// <para>
/// Collision bound: for one first six and last four, the middle has <c>length − 10</c> free digits, and exactly one middle in
/// ten makes the number Luhn-valid (changing one middle digit walks the check sum through all ten residues), so there are
/// <see cref="CandidateCount"/> = 9 × 10^(length − 11) aliases: 900,000 for 16 digits, 90,000 for 15, 900 for 13. Aliases are
/// unique per tenant (a unique index on tenant and alias); among <c>n</c> live tokens of one tenant sharing a first six and
/// last four, a new alias collides with probability below <c>n / CandidateCount</c>, and a collision is retried with a fresh
/// draw up to <see cref="MaxAttempts"/> times before the request is refused (409). For 16-digit cards that is below
/// (n / 900,000)^8 per request: with 90,000 tokens of one card range in one tenant, 10^-8.
/// </para>
/// </summary>
public static class FormatPreservingAlias
{
    /// <summary>Draws before giving up on a tenant whose alias space for this card range is (nearly) full.</summary>
    public const int MaxAttempts = 8;

    private const int KeptPrefix = 6;
    private const int KeptSuffix = 4;

    /// <summary>A fresh random alias for <paramref name="pan"/>; never equal to it (Luhn-invalid, the card is Luhn-valid).</summary>
    public static string Create(Pan pan)
    {
        ArgumentNullException.ThrowIfNull(pan);
        Span<char> digits = stackalloc char[pan.Length];
        pan.First6.AsSpan().CopyTo(digits);
        pan.LastFour.AsSpan().CopyTo(digits[^KeptSuffix..]);
        Span<char> middle = digits[KeptPrefix..^KeptSuffix];
        do
        {
            for (int i = 0; i < middle.Length; i++)
            {
                middle[i] = (char)('0' + RandomNumberGenerator.GetInt32(10));
            }
        }
        while (Luhn.IsValid(digits));

        string alias = new(digits);
        digits.Clear();
        return alias;
    }

    /// <summary>True when <paramref name="value"/> has the shape of an alias: 12 to 19 ASCII digits that fail the Luhn check.</summary>
    public static bool IsWellFormed(string? value) =>
        value is { Length: >= Pan.MinLength and <= Pan.MaxLength } && value.All(char.IsAsciiDigit) && !Luhn.IsValid(value);

    /// <summary>How many distinct aliases a card of <paramref name="length"/> digits can have (see the collision bound above).</summary>
    public static long CandidateCount(int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, Pan.MinLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Pan.MaxLength);
        long count = 9;
        for (int i = 0; i < length - KeptPrefix - KeptSuffix - 1; i++)
        {
            count *= 10;
        }

        return count;
    }
}
