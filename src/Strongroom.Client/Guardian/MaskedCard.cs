namespace Strongroom.Client.Guardian;

/// <summary>The card of a token as the vault shows it: masked number, expiry, scheme and name.</summary>
public sealed record MaskedCard(string? CardholderName, int ExpiryMonth, int ExpiryYear, string MaskedAccountNumber, string Scheme);
