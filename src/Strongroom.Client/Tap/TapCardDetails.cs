namespace Strongroom.Client.Tap;

/// <summary>A card to turn into a Tap single-use token. <see cref="ToString"/> never prints the number or the CVC.</summary>
public sealed class TapCardDetails
{
    /// <summary>The card number, digits only.</summary>
    public required string Number { get; init; }

    /// <summary>1–12.</summary>
    public required int ExpMonth { get; init; }

    /// <summary>Two digits (39 = 2039) or four.</summary>
    public required int ExpYear { get; init; }

    /// <summary>The CVC, optional.</summary>
    public string? Cvc { get; init; }

    /// <summary>The cardholder's name.</summary>
    public string? Name { get; init; }

    /// <summary>An optional billing address (string fields, no card data).</summary>
    public IReadOnlyDictionary<string, string>? Address { get; init; }

    /// <summary>Masked: the last four digits and the expiry only.</summary>
    public override string ToString() =>
        $"TapCardDetails {{ Number = {Guardian.CardDetails.Masked(Number)}, ExpMonth = {ExpMonth}, ExpYear = {ExpYear}, Cvc = {(Cvc is null ? "none" : "***")} }}";
}
