using System.ComponentModel.DataAnnotations;
using System.Net.Http.Headers;

namespace Strongroom.Client.Tap;

/// <summary>Where the vault is and the tenant's secret key, sent as <c>Authorization: Bearer …</c>.</summary>
public sealed class TapClientOptions
{
    /// <summary>The vault's base address.</summary>
    [Required]
    public Uri? BaseAddress { get; set; }

    /// <summary>A tenant API key (Tap calls it the secret key).</summary>
    [Required]
    public string? SecretKey { get; set; }

    /// <summary>Applies the options to a client: base address and the bearer key.</summary>
    public void ApplyTo(HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.BaseAddress = BaseAddress ?? throw new InvalidOperationException("TapClientOptions.BaseAddress is required.");
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", SecretKey ?? throw new InvalidOperationException("TapClientOptions.SecretKey is required."));
    }

    /// <summary>No key in logs.</summary>
    public override string ToString() => $"TapClientOptions {{ BaseAddress = {BaseAddress} }}";
}
