namespace Strongroom.Core.Cards;

/// <summary>A card expiry (month, four-digit year). A card is valid through the last day of its expiry month.</summary>
public readonly record struct Expiry(int Month, int Year)
{
    public const int MinYear = 2000;

    /// <summary>Cards are not issued this far ahead; a larger year is a typo, not a card.</summary>
    public const int MaxYearsAhead = 50;

    public bool IsExpiredAt(DateTimeOffset now) => Year < now.UtcDateTime.Year || (Year == now.UtcDateTime.Year && Month < now.UtcDateTime.Month);

    public static string? ValidateMonth(int month) => month is < 1 or > 12 ? "Expiry month must be between 1 and 12." : null;

    public static string? ValidateYear(int year, DateTimeOffset now) =>
        year < MinYear ? $"Expiry year must be {MinYear} or later."
        : year > now.UtcDateTime.Year + MaxYearsAhead ? $"Expiry year must be at most {MaxYearsAhead} years ahead."
        : null;
}
