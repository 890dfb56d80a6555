using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Strongroom.Client.Http;

namespace Strongroom.Client.Guardian;

/// <summary>
/// Sends Guardian requests over the caller's <see cref="HttpClient"/> (authentication comes from its configuration, see
/// <see cref="GuardianClient"/>) and turns every non-success answer into a <see cref="GuardianApiException"/>.
/// </summary>
internal sealed class GuardianTransport(HttpClient http)
{
    public const string IdempotencyKeyHeader = "x-idempotency-key";

    public HttpClient Http { get; } = http;

    public async Task<TResponse> SendAsync<TRequest, TResponse>(
        HttpMethod method, string path, TRequest body, JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TResponse> responseType, string? idempotencyKey, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new SensitiveContent(JsonSerializer.SerializeToUtf8Bytes(body, requestType)) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add(IdempotencyKeyHeader, idempotencyKey);
        }

        return await ReadAsync(request, responseType, cancellationToken);
    }

    public async Task<TResponse> SendAsync<TResponse>(HttpMethod method, string path, JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (idempotencyKey is not null)
        {
            request.Headers.Add(IdempotencyKeyHeader, idempotencyKey);
        }

        return await ReadAsync(request, responseType, cancellationToken);
    }

    /// <summary>A request answered with 204 No Content.</summary>
    public async Task SendWithoutResultAsync(HttpMethod method, string path, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        using HttpResponseMessage response = await Http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
    }

    private async Task<TResponse> ReadAsync<TResponse>(HttpRequestMessage request, JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await Http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        byte[] bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        try
        {
            return JsonSerializer.Deserialize(bytes, responseType)
                ?? throw new GuardianApiException(response.StatusCode, null, "The vault answered with an empty body.", []);
        }
        catch (JsonException e)
        {
            // The parser's message can quote the body; keep only the position.
            throw new GuardianApiException($"The vault's answer ({(int)response.StatusCode}) is not the expected JSON (at {e.Path}).", new JsonException(e.Path));
        }
    }

    public static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        throw await ErrorOfAsync(response, cancellationToken) ?? Unparsed(response);
    }

    /// <summary>The Guardian error in the answer, or null when the body is not in Guardian's error shape.</summary>
    public static async Task<GuardianApiException?> ErrorOfAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        byte[] bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        GuardianErrorWire? error;
        try
        {
            error = bytes.Length == 0 ? null : JsonSerializer.Deserialize(bytes, GuardianJsonContext.Default.GuardianErrorWire);
        }
        catch (JsonException)
        {
            error = null;
        }

        return error is { Classifier: not null, Message: not null } && error.Code == (int)response.StatusCode
            ? new GuardianApiException(response.StatusCode, error.Classifier, error.Message, error.ValidationErrors ?? [], RetryAfter.Of(response))
            : null;
    }

    private static GuardianApiException Unparsed(HttpResponseMessage response) =>
        new(response.StatusCode, null, $"The answer was not in Guardian's error shape ({response.Content.Headers.ContentType?.MediaType ?? "no content type"}).", [], RetryAfter.Of(response));

    public static string Id(Guid id) => id.ToString("D");

    public static bool IsNotFound(GuardianApiException e) => e.StatusCode == HttpStatusCode.NotFound;
}
