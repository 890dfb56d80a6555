namespace Strongroom.Client.Guardian;

/// <summary>
/// A cryptogram issued for a network token. In value mode it carries the cryptogram and the token number; in reference
/// mode only <see cref="CryptogramReference"/>. <see cref="ToString"/> shows neither the cryptogram nor the number.
/// </summary>
public sealed record IssuedCryptogram(
    string? Cryptogram,
    string? Eci,
    string? Type,
    string? DynamicCvv,
    string? Number,
    int ExpiryMonth,
    int ExpiryYear,
    string? CryptogramReference,
    DateTimeOffset ExpiresAt)
{
    /// <summary>No cryptogram, dynamic CVV, token number or reference in logs.</summary>
    public override string ToString() =>
        $"IssuedCryptogram {{ Eci = {Eci}, Type = {Type}, Number = {CardDetails.Masked(Number)}, Reference = {(CryptogramReference is null ? "none" : "***")}, ExpiresAt = {ExpiresAt:O} }}";
}
