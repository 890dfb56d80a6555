using System.Text.Json;
using Strongroom.Client.Guardian;
using Strongroom.Client.Http;

namespace Strongroom.Client.Tap;

/// <summary>
/// The Tap dialect: single-use card tokens (<c>/v2/tokens</c>) and their forward. A token is used up by creating a PCI
/// token from it (<see cref="PciTokensClient.CreateFromSingleUseTokenAsync"/>) or by forwarding it. Every failure is a
/// <see cref="TapApiException"/>.
/// </summary>
public sealed class TapClient
{
    private const string Path = "/v2/tokens";

    private readonly HttpClient _http;

    public TapClient(HttpClient http) => _http = http ?? throw new ArgumentNullException(nameof(http));

    /// <summary>Creates a single-use token for the card; it expires after a few minutes.</summary>
    public async Task<TapToken> CreateTokenAsync(TapCardDetails card, string? clientIp = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(card);
        var wire = new TapCreateWire(new TapCardWire(card.Number, card.ExpMonth, card.ExpYear, card.Cvc, card.Name, card.Address), clientIp);
        using var request = new HttpRequestMessage(HttpMethod.Post, Path) { Content = new SensitiveContent(JsonSerializer.SerializeToUtf8Bytes(wire, TapJsonContext.Default.TapCreateWire)) };
        return await ReadAsync(request, cancellationToken);
    }

    /// <summary>The token (used or not) until it expires.</summary>
    public async Task<TapToken> GetTokenAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{Path}/{Uri.EscapeDataString(id)}");
        return await ReadAsync(request, cancellationToken);
    }

    /// <summary>
    /// Forwards the token's card (same placeholders as the PCI token forward) and uses the token up. Returns the
    /// destination's answer; throws <see cref="TapApiException"/> when the vault refuses.
    /// </summary>
    public Task<ForwardedResponse> ForwardAsync(string id, ForwardRequest forward, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        return Forwarder.SendAsync(_http, $"{Path}/{Uri.EscapeDataString(id)}/forward", forward, [], async (r, c) => await ErrorOfAsync(r, requireShape: true, c), cancellationToken);
    }

    private async Task<TapToken> ReadAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw (await ErrorOfAsync(response, requireShape: false, cancellationToken))!;
        }

        byte[] bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        try
        {
            return JsonSerializer.Deserialize(bytes, TapJsonContext.Default.TapToken) ?? throw new TapApiException("The vault answered with an empty body.");
        }
        catch (JsonException e)
        {
            throw new TapApiException($"The vault's answer ({(int)response.StatusCode}) is not the expected JSON (at {e.Path}).", new JsonException(e.Path));
        }
    }

    /// <summary>The Tap error in the answer; with <paramref name="requireShape"/>, null when the body is not in Tap's shape.</summary>
    private static async Task<TapApiException?> ErrorOfAsync(HttpResponseMessage response, bool requireShape, CancellationToken cancellationToken)
    {
        byte[] bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        TapErrorsWire? wire;
        try
        {
            wire = bytes.Length == 0 ? null : JsonSerializer.Deserialize(bytes, TapJsonContext.Default.TapErrorsWire);
        }
        catch (JsonException)
        {
            wire = null;
        }

        if (wire?.Errors is { Count: > 0 } errors && errors.All(e => e.Code is not null && e.Description is not null))
        {
            return new TapApiException(response.StatusCode, errors, RetryAfter.Of(response));
        }

        return requireShape ? null : new TapApiException(response.StatusCode, [], RetryAfter.Of(response));
    }
}
