namespace Strongroom.Server.Tests;

/// <summary>Public test card numbers only.</summary>
public static class TestCards
{
    public const string Visa = "4111111111111111";
    public const string Mastercard = "5555555555554444";
    public const string Amex = "378282246310005";
    public const string Discover = "6011111111111117";

    public static readonly string[] All = [Visa, Mastercard, Amex, Discover];

    public static object PanSource(string pan = Visa, int month = 12, int? year = null, string? securityCode = "123", string? name = "John Doe") => new
    {
        type = "pan",
        account_number = pan,
        expiry_month = month,
        expiry_year = year ?? DateTime.UtcNow.Year + 3,
        security_code = securityCode,
        cardholder_name = name,
    };
}
