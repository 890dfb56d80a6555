namespace Strongroom.Core.Cards;

/// <summary>
/// A free-text field held a card number (see <see cref="FreeText"/>). <see cref="Field"/> is the field's
/// neutral name (<c>name</c>, <c>title</c>, <c>x-idempotency-key</c> …); the message never carries the value.
/// Each dialect's endpoint filter answers it with that dialect's validation error.
/// </summary>
public sealed class CardNumberInFreeTextException(string field) : Exception($"The {field} must not contain a card number.")
{
    public string Field { get; } = field;

    /// <summary>True when the field is a request header (they are named like one) rather than a body field.</summary>
    public bool IsHeader => Field.StartsWith("x-", StringComparison.Ordinal);
}
