using System.Net.Http.Headers;
using System.Text;

namespace Strongroom.Client.Http;

/// <summary>
/// The one forward exchange every dialect shares: POST the template to the vault's forward route with
/// <c>x-destination-url</c>, then tell the vault's own refusals (in the dialect's error shape) from the destination's answer.
/// </summary>
internal static class Forwarder
{
    public const string DestinationHeader = "x-destination-url";

    public static async Task<Guardian.ForwardedResponse> SendAsync(
        HttpClient http, string path, Guardian.ForwardRequest forward, IEnumerable<KeyValuePair<string, string>> vaultHeaders,
        Func<HttpResponseMessage, CancellationToken, Task<Exception?>> vaultErrorOf, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(forward);
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(forward.Body)),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(forward.ContentType);
        request.Headers.Add(DestinationHeader, forward.Destination.AbsoluteUri);
        foreach ((string name, string value) in vaultHeaders.Concat(forward.Headers))
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);

        // A destination may answer any status; only a body in the vault's own error shape is the vault refusing.
        if (!response.IsSuccessStatusCode && await vaultErrorOf(response, cancellationToken) is { } refusal)
        {
            throw refusal;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (KeyValuePair<string, IEnumerable<string>> header in response.Headers.Concat(response.Content.Headers))
        {
            headers[header.Key] = string.Join(", ", header.Value);
        }

        return new Guardian.ForwardedResponse((int)response.StatusCode, headers, await response.Content.ReadAsByteArrayAsync(cancellationToken));
    }
}
