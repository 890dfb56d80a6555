namespace Strongroom.Client.Guardian;

/// <summary>
/// A card as the caller holds it, to tokenize (<c>source.type = pan</c>), provision a network token from, complete a session
/// with, or look up. <see cref="ToString"/> never prints the number or the security code.
/// </summary>
public sealed class CardDetails
{
    /// <summary>The card number (PAN), digits only.</summary>
    public required string AccountNumber { get; init; }

    /// <summary>1–12.</summary>
    public required int ExpiryMonth { get; init; }

    /// <summary>Four digits.</summary>
    public required int ExpiryYear { get; init; }

    /// <summary>The CVC/CVV, kept by the vault only in memory for a short time.</summary>
    public string? SecurityCode { get; init; }

    /// <summary>The cardholder's name as on the card.</summary>
    public string? CardholderName { get; init; }

    /// <summary>Masked: the last four digits and the expiry only.</summary>
    public override string ToString() =>
        $"CardDetails {{ AccountNumber = {Masked(AccountNumber)}, ExpiryMonth = {ExpiryMonth}, ExpiryYear = {ExpiryYear}, SecurityCode = {(SecurityCode is null ? "none" : "***")} }}";

    internal static string Masked(string? number) =>
        number is { Length: >= 4 } ? "************" + number[^4..] : "****";
}
