using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Strongroom.LoadGen;

/// <summary>Set-up calls against one server (outside any measurement): admin seeding and fiat-gateway JWTs.</summary>
internal sealed class Target(Uri baseUrl, BenchCredentials? credentials = null) : IAsyncDisposable
{
    public const string JwtPath = "/api/v4/jwt";

    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };

    public Uri BaseUrl => baseUrl;

    /// <summary>A fresh JWT for <c>POST /api/card-token</c>, from a signed <c>POST /api/v4/jwt</c> with the first signing key.</summary>
    public async Task<string> IssueJwtAsync(CancellationToken cancellationToken)
    {
        BenchCredentials creds = credentials ?? throw new SetupException("no credentials");
        var key = new SigningKey(creds.SigningKeys[0]);
        using HttpRequestMessage request = key.SignedPost(baseUrl, JwtPath);
        using JsonDocument answer = await SendAsync(request, cancellationToken);
        return answer.RootElement.GetProperty("data").GetProperty("token").GetString() ?? throw new SetupException("no JWT in the answer");
    }

    public async Task<JsonDocument> AdminPostAsync(string path, string adminToken, string json, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("x-admin-token", adminToken);
        return await SendAsync(request, cancellationToken);
    }

    public async Task<string> TokenizeAsync(string apiKey, CancellationToken cancellationToken)
    {
        using HttpRequestMessage request = Requests.GuardianTokenize(baseUrl, apiKey, idempotencyKey: null);
        using JsonDocument answer = await SendAsync(request, cancellationToken);
        return answer.RootElement.GetProperty("id").GetString() ?? throw new SetupException("no id in the tokenize answer");
    }

    private async Task<JsonDocument> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await _http.SendAsync(request, cancellationToken);
        byte[] body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            // The status and the error document only: set-up bodies carry no card data, answers never echo one.
            throw new SetupException($"{request.Method} {request.RequestUri?.AbsolutePath}: HTTP {(int)response.StatusCode} {Encoding.UTF8.GetString(body)}");
        }

        return JsonDocument.Parse(body);
    }

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>The request shapes shared by seeding and the scenarios.</summary>
internal static class Requests
{
    public const string GuardianTokensPath = "/api/pci/tokens";

    public static string GuardianBody() =>
        $$"""{"source":{"type":"pan","account_number":"{{TestCards.Pan()}}","expiry_month":12,"expiry_year":2030,"security_code":"123","cardholder_name":"Bench Holder"},"expires_in":86400}""";

    public static HttpRequestMessage GuardianTokenize(Uri baseUrl, string apiKey, string? idempotencyKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl, GuardianTokensPath)) { Content = Json(GuardianBody()) };
        request.Headers.TryAddWithoutValidation("x-api-key", apiKey);
        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("x-idempotency-key", idempotencyKey);
        }

        return request;
    }

    public static ByteArrayContent Json(string json)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }
}
