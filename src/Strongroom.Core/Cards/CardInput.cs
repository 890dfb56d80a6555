namespace Strongroom.Core.Cards;

/// <summary>The card fields every dialect collects, named so each dialect can map them to its own paths.</summary>
public enum CardField
{
    AccountNumber,
    ExpiryMonth,
    ExpiryYear,
    SecurityCode,
    CardholderName,
}

/// <summary>One failed card rule. Messages never repeat the offending value.</summary>
public readonly record struct CardFieldError(CardField Field, string Message);

/// <summary>
/// Card data as received, before validation. Deliberately not a record: a record's generated
/// <c>ToString</c> would print the card number.
/// </summary>
public sealed class CardInput
{
    public string? AccountNumber { get; init; }

    public int? ExpiryMonth { get; init; }

    public int? ExpiryYear { get; init; }

    public string? SecurityCode { get; init; }

    public string? CardholderName { get; init; }

    public override string ToString() => nameof(CardInput);
}

/// <summary>A card that passed every rule. <see cref="ToString"/> shows only the masked number.</summary>
public sealed class ValidCard(Pan pan, Expiry expiry, string? cardholderName, string? securityCode)
{
    public Pan Pan { get; } = pan;

    public Expiry Expiry { get; } = expiry;

    public string? CardholderName { get; } = cardholderName;

    /// <summary>Kept only in memory, only until it goes to the ephemeral store.</summary>
    public string? SecurityCode { get; } = securityCode;

    public override string ToString() => Pan.Masked;
}

/// <summary>The card rules shared by every dialect: PAN, expiry, security code, cardholder name.</summary>
internal static class CardValidator
{
    public const int MaxCardholderNameLength = 100;

    public static ValidCard? Validate(CardInput input, DateTimeOffset now, List<CardFieldError> errors)
    {
        int before = errors.Count;

        if (!Pan.TryParse(input.AccountNumber, out Pan? pan, out string? panError))
        {
            errors.Add(new(CardField.AccountNumber, panError!));
        }

        if (input.ExpiryMonth is null)
        {
            errors.Add(new(CardField.ExpiryMonth, "Expiry month is required."));
        }
        else if (Expiry.ValidateMonth(input.ExpiryMonth.Value) is { } monthError)
        {
            errors.Add(new(CardField.ExpiryMonth, monthError));
        }

        if (input.ExpiryYear is null)
        {
            errors.Add(new(CardField.ExpiryYear, "Expiry year is required."));
        }
        else if (Expiry.ValidateYear(input.ExpiryYear.Value, now) is { } yearError)
        {
            errors.Add(new(CardField.ExpiryYear, yearError));
        }

        if (errors.Count == before)
        {
            var expiry = new Expiry(input.ExpiryMonth!.Value, input.ExpiryYear!.Value);
            if (expiry.IsExpiredAt(now))
            {
                errors.Add(new(CardField.ExpiryYear, "Card has expired."));
            }
        }

        if (input.SecurityCode is not null && SecurityCode.Validate(input.SecurityCode, pan?.Scheme) is { } cvcError)
        {
            errors.Add(new(CardField.SecurityCode, cvcError));
        }

        if (input.CardholderName is { } name && ValidateName(name) is { } nameError)
        {
            errors.Add(new(CardField.CardholderName, nameError));
        }

        return errors.Count == before
            ? new ValidCard(pan!, new Expiry(input.ExpiryMonth!.Value, input.ExpiryYear!.Value), NullIfBlank(input.CardholderName), input.SecurityCode)
            : null;
    }

    private static string? ValidateName(string name)
    {
        if (name.Length > MaxCardholderNameLength)
        {
            return $"Cardholder name must be at most {MaxCardholderNameLength} characters.";
        }

        foreach (char c in name)
        {
            if (char.IsControl(c))
            {
                return "Cardholder name must not contain control characters.";
            }
        }

        // The name comes back in masked reads; a card number typed into it would leak out there.
        return PanDetector.ContainsPan(name) ? "Cardholder name must not contain a card number." : null;
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
