using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Strongroom.Client.Http;

namespace Strongroom.Client.WhiteBit;

/// <summary>Posts WhiteBIT JSON and turns every non-success answer into a <see cref="WhiteBitApiException"/>.</summary>
internal static class WhiteBitTransport
{
    public static async Task<TResponse> PostAsync<TRequest, TResponse>(
        HttpClient http, string path, TRequest body, JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TResponse> responseType,
        Action<HttpRequestMessage>? prepare, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new SensitiveContent(JsonSerializer.SerializeToUtf8Bytes(body, requestType)) };
        prepare?.Invoke(request);
        using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        byte[] bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw ErrorOf(response, bytes);
        }

        try
        {
            return JsonSerializer.Deserialize(bytes, responseType) ?? throw new WhiteBitApiException("The vault answered with an empty body.");
        }
        catch (JsonException e)
        {
            throw new WhiteBitApiException($"The vault's answer ({(int)response.StatusCode}) is not the expected JSON (at {e.Path}).", new JsonException(e.Path));
        }
    }

    private static WhiteBitApiException ErrorOf(HttpResponseMessage response, byte[] bytes)
    {
        WhiteBitErrorWire? error;
        try
        {
            error = bytes.Length == 0 ? null : JsonSerializer.Deserialize(bytes, WhiteBitJsonContext.Default.WhiteBitErrorWire);
        }
        catch (JsonException)
        {
            error = null;
        }

        return new WhiteBitApiException(response.StatusCode, error?.Code, error?.Message ?? "The answer was not in WhiteBIT's error shape.",
            error?.Errors ?? new Dictionary<string, string[]>(), RetryAfter.Of(response));
    }
}
