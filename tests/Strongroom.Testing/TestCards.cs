using Strongroom.Core.Cards;

namespace Strongroom.Testing;

/// <summary>Public test card numbers (issuer documentation test PANs, never real cards) and helpers.</summary>
public static class TestCards
{
    public const string Visa = "4111111111111111";
    public const string Mastercard = "5555555555554444";
    public const string Mastercard2Series = "2223003122003222";
    public const string Amex = "378282246310005";
    public const string Discover = "6011111111111117";
    public const string DinersClub14 = "36227206271667";
    public const string DinersClub30x = "30569309025904";
    public const string Jcb = "3530111333300000";
    public const string UnionPay = "6200000000000005";

    /// <summary>The four everyday test cards (Visa, Mastercard, Amex, Discover).</summary>
    public static readonly string[] All = [Visa, Mastercard, Amex, Discover];

    /// <summary>A Guardian <c>source</c> of type <c>pan</c>, expiring in December three years from now unless told otherwise.</summary>
    public static object PanSource(string pan = Visa, int month = 12, int? year = null, string? securityCode = "123", string? name = "John Doe") => new
    {
        type = "pan",
        account_number = pan,
        expiry_month = month,
        expiry_year = year ?? DateTime.UtcNow.Year + 3,
        security_code = securityCode,
        cardholder_name = name,
    };

    public static Pan Parse(string digits) =>
        Pan.TryParse(digits, out Pan? pan, out string? error) ? pan! : throw new InvalidOperationException("Test PAN rejected: " + error);

    /// <summary>A validated card expiring in December of <paramref name="now"/>'s year + 3.</summary>
    public static ValidCard Valid(string pan, DateTimeOffset now, string? securityCode = null, string? cardholderName = null)
    {
        var errors = new List<CardFieldError>();
        ValidCard? card = CardValidator.Validate(
            new CardInput
            {
                AccountNumber = pan,
                ExpiryMonth = 12,
                ExpiryYear = now.UtcDateTime.Year + 3,
                SecurityCode = securityCode,
                CardholderName = cardholderName,
            },
            now,
            errors);
        return card ?? throw new InvalidOperationException("Test card rejected: " + string.Join("; ", errors.Select(e => e.Message)));
    }
}
