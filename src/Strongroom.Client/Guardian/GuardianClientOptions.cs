using System.ComponentModel.DataAnnotations;

namespace Strongroom.Client.Guardian;

/// <summary>Where the vault is and the tenant API key the Guardian dialect authenticates with (<c>x-api-key</c>).</summary>
public sealed class GuardianClientOptions
{
    /// <summary>The header Guardian reads the API key from.</summary>
    public const string ApiKeyHeader = "x-api-key";

    /// <summary>The vault's base address, e.g. <c>https://vault.internal:5080/</c>.</summary>
    [Required]
    public Uri? BaseAddress { get; set; }

    /// <summary>A tenant API key (<c>sr_…</c>) with the scopes the calls need (<c>data:out</c> for forwards and cryptograms).</summary>
    [Required]
    public string? ApiKey { get; set; }

    /// <summary>Applies the options to a client: base address and the key header.</summary>
    public void ApplyTo(HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.BaseAddress = BaseAddress ?? throw new InvalidOperationException("GuardianClientOptions.BaseAddress is required.");
        http.DefaultRequestHeaders.Remove(ApiKeyHeader);
        http.DefaultRequestHeaders.Add(ApiKeyHeader, ApiKey ?? throw new InvalidOperationException("GuardianClientOptions.ApiKey is required."));
    }

    /// <summary>No key in logs.</summary>
    public override string ToString() => $"GuardianClientOptions {{ BaseAddress = {BaseAddress} }}";
}
