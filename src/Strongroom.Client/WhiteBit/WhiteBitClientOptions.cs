using System.ComponentModel.DataAnnotations;

namespace Strongroom.Client.WhiteBit;

/// <summary>Where the vault is and the signing key (public key and secret) WhiteBIT v4 requests are signed with.</summary>
public sealed class WhiteBitClientOptions
{
    /// <summary>The vault's base address.</summary>
    [Required]
    public Uri? BaseAddress { get; set; }

    /// <summary>The public API key (sent as <c>X-TXC-APIKEY</c>).</summary>
    [Required]
    public string? ApiKey { get; set; }

    /// <summary>The API secret: the HMAC-SHA512 key. Never sent.</summary>
    [Required]
    public string? ApiSecret { get; set; }

    /// <summary>
    /// Sends <c>nonceWindow: true</c>: the vault then accepts any fresh nonce within ±5 s of its clock instead of requiring
    /// each nonce to exceed the last, so several processes can share one key. Needs a synchronized clock.
    /// </summary>
    public bool UseNonceWindow { get; set; }

    /// <summary>No secret in logs.</summary>
    public override string ToString() => $"WhiteBitClientOptions {{ BaseAddress = {BaseAddress}, ApiKey = {ApiKey}, UseNonceWindow = {UseNonceWindow} }}";
}
