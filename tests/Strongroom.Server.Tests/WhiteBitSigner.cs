using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Strongroom.Server.Tests;

/// <summary>Signs WhiteBIT v4 requests the documented way; the test knobs let a test break one rule at a time.</summary>
public sealed class WhiteBitSigner(HttpClient client, string apiKey, string apiSecret)
{
    private long _lastNonce = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public string ApiKey { get; } = apiKey;

    public string ApiSecret { get; set; } = apiSecret;

    public long NextNonce() => Interlocked.Increment(ref _lastNonce);

    public Task<HttpResponseMessage> PostAsync(string path, object? fields = null, long? nonce = null, bool nonceWindow = false) =>
        SendAsync(Build(path, fields, nonce, nonceWindow));

    public HttpRequestMessage Build(string path, object? fields = null, long? nonce = null, bool nonceWindow = false, string? requestPath = null)
    {
        JsonObject body = fields is null ? [] : JsonSerializer.SerializeToNode(fields)!.AsObject();
        body["request"] = requestPath ?? path;
        body["nonce"] = nonce ?? NextNonce();
        if (nonceWindow)
        {
            body["nonceWindow"] = true;
        }

        return BuildRaw(path, body.ToJsonString());
    }

    public HttpRequestMessage BuildRaw(string path, string body, string? payloadOverride = null, string? signatureOverride = null)
    {
        string payload = payloadOverride ?? Convert.ToBase64String(Encoding.UTF8.GetBytes(body));
        string signature = signatureOverride ?? Sign(payload, ApiSecret);
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-TXC-APIKEY", ApiKey);
        request.Headers.Add("X-TXC-PAYLOAD", payload);
        request.Headers.Add("X-TXC-SIGNATURE", signature);
        return request;
    }

    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        using (request)
        {
            return await client.SendAsync(request);
        }
    }

    public static string Sign(string payload, string secret) =>
        Convert.ToHexStringLower(HMACSHA512.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes(payload)));

    /// <summary>Creates an account and a signing key for it through the admin API.</summary>
    public static async Task<(Guid AccountId, WhiteBitSigner Signer)> CreateAccountAsync(StrongroomApplication app, int type = 2)
    {
        TestTenant account = await app.CreateTenantAsync("Exchange");
        using HttpClient admin = app.AdminClient();
        using HttpResponseMessage response = await admin.PostAsJsonAsync("/api/admin/signing-keys", new { tenant_id = account.Id, type, title = "main" });
        response.EnsureSuccessStatusCode();
        JsonElement key = await response.Content.ReadFromJsonAsync();
        return (account.Id, new WhiteBitSigner(app.CreateClient(), key.GetProperty("api_key").GetString()!, key.GetProperty("api_secret").GetString()!));
    }
}
