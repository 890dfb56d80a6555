namespace Strongroom.Core.Cards;

/// <summary>
/// The guard for every caller-supplied string the vault stores in clear or echoes back (names, titles,
/// descriptions, URLs, origins, idempotency keys, metadata): none may hold a card number, by the one rule
/// of <see cref="PanDetector"/>. Each dialect checks its fields with <see cref="CardNumberError"/> while it
/// validates a request, so the error names the field in the dialect's own words; the services call
/// <see cref="Require(string, string?)"/> again where the value enters the domain, so a path that forgot the first check
/// still cannot store a PAN (the dialect's endpoint filter turns the exception into its 422/400).
/// </summary>
public static class FreeText
{
    /// <summary>The message for a refused field; it never repeats the value.</summary>
    public const string CardNumberMessage = "Must not contain a card number.";

    /// <summary><see cref="CardNumberMessage"/> when <paramref name="value"/> holds a card number, else null.</summary>
    public static string? CardNumberError(string? value) => PanDetector.ContainsPan(value) ? CardNumberMessage : null;

    /// <summary>Throws <see cref="CardNumberInFreeTextException"/> naming <paramref name="field"/> when <paramref name="value"/> holds a card number.</summary>
    public static void Require(string field, string? value)
    {
        if (PanDetector.ContainsPan(value))
        {
            throw new CardNumberInFreeTextException(field);
        }
    }

    /// <summary>As <see cref="Require(string, string?)"/>, for every key and value of a metadata map.</summary>
    public static void Require(string field, IReadOnlyDictionary<string, string>? pairs)
    {
        if (pairs is null)
        {
            return;
        }

        foreach ((string key, string value) in pairs)
        {
            Require(field, key);
            Require(field, value);
        }
    }
}
