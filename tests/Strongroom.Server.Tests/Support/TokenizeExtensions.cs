using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Strongroom.Server.Tests;

/// <summary>
/// Intent helpers for tests that only need a token to exist: they create one through the real
/// <c>POST /api/pci/tokens</c> and fail the test unless it was created. Tests about the create request itself
/// (its shape, its validation, its status codes) send their request by hand.
/// </summary>
public static class TokenizeExtensions
{
    public const string TokensPath = "/api/pci/tokens";

    /// <summary>
    /// Tokenizes <paramref name="source"/> (by default <see cref="TestCards.PanSource"/>: a Visa with a CVC) and returns
    /// the created token's JSON. Only the options given are sent.
    /// </summary>
    public static Task<JsonElement> TokenizeAsync(this TestTenant tenant, object? source = null, object? metadata = null, int? expiresIn = null, string? idempotencyKey = null) =>
        tenant.Client.TokenizeAsync(source, metadata, expiresIn, idempotencyKey);

    /// <summary>As <see cref="TokenizeAsync(TestTenant, object?, object?, int?, string?)"/>, returning only the new token's id.</summary>
    public static async Task<string> TokenizeIdAsync(this TestTenant tenant, object? source = null, object? metadata = null, int? expiresIn = null, string? idempotencyKey = null) =>
        (await tenant.Client.TokenizeAsync(source, metadata, expiresIn, idempotencyKey)).GetProperty("id").GetString()!;

    /// <summary>As <see cref="TokenizeAsync(TestTenant, object?, object?, int?, string?)"/>, through a client that already carries its credentials.</summary>
    public static async Task<JsonElement> TokenizeAsync(this HttpClient client, object? source = null, object? metadata = null, int? expiresIn = null, string? idempotencyKey = null)
    {
        var body = new Dictionary<string, object>(StringComparer.Ordinal) { ["source"] = source ?? TestCards.PanSource() };
        if (expiresIn is int seconds)
        {
            body["expires_in"] = seconds;
        }

        if (metadata is not null)
        {
            body["metadata"] = metadata;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, TokensPath) { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("x-idempotency-key", idempotencyKey);
        }

        using HttpResponseMessage response = await client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"tokenize returned {(int)response.StatusCode}: {text}");
        using JsonDocument created = JsonDocument.Parse(text);
        return created.RootElement.Clone();
    }

    /// <summary>As <see cref="TokenizeAsync(HttpClient, object?, object?, int?, string?)"/>, returning only the new token's id.</summary>
    public static async Task<string> TokenizeIdAsync(this HttpClient client, object? source = null, object? metadata = null, int? expiresIn = null, string? idempotencyKey = null) =>
        (await client.TokenizeAsync(source, metadata, expiresIn, idempotencyKey)).GetProperty("id").GetString()!;
}
