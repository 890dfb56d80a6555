namespace Strongroom.Client.Guardian;

/// <summary>
/// What to ask <c>POST /api/network/tokens/{id}/cryptograms</c> for: an optional amount (minor units) and ISO 4217
/// currency the cryptogram is bound to, and whether to get the value or a short-lived reference to forward.
/// </summary>
public sealed record CryptogramRequest(long? Amount = null, string? Currency = null, CryptogramMode Mode = CryptogramMode.Value);

/// <summary>The cryptogram endpoint's two modes.</summary>
public enum CryptogramMode
{
    /// <summary>Returns the cryptogram, ECI, type, dynamic CVV and token number (needs <c>data:out</c>).</summary>
    Value,

    /// <summary>Returns only a single-use <c>cryptogram_reference</c> to pass to <see cref="NetworkTokensClient.ForwardCryptogramAsync"/>.</summary>
    Reference,
}
