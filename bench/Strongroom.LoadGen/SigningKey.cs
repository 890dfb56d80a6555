using System.Security.Cryptography;
using System.Text;

namespace Strongroom.LoadGen;

/// <summary>
/// Signs WhiteBIT v4 requests as a client does: body <c>{"request": path, "nonce": n, "nonceWindow": true}</c>,
/// <c>X-TXC-PAYLOAD</c> = base64(body), <c>X-TXC-SIGNATURE</c> = hex(HMAC-SHA512(secret, payload)). Nonces are Unix
/// milliseconds, unique per key (bumped past the last one handed out), so concurrent connections sharing a key never
/// reuse one and stay inside the server's ±5 s window at the per-key rates of a run.
/// </summary>
internal sealed class SigningKey(SigningKeyCredential credential)
{
    private readonly byte[] _secret = Encoding.ASCII.GetBytes(credential.ApiSecret);
    private long _lastNonce;

    public string ApiKey => credential.ApiKey;

    public long NextNonce()
    {
        while (true)
        {
            long last = Volatile.Read(ref _lastNonce);
            long next = Math.Max(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), last + 1);
            if (Interlocked.CompareExchange(ref _lastNonce, next, last) == last)
            {
                return next;
            }
        }
    }

    public HttpRequestMessage SignedPost(Uri baseUrl, string path)
    {
        byte[] body = Encoding.UTF8.GetBytes($$"""{"request":"{{path}}","nonce":{{NextNonce()}},"nonceWindow":true}""");
        string payload = Convert.ToBase64String(body);
        string signature = Convert.ToHexStringLower(HMACSHA512.HashData(_secret, Encoding.ASCII.GetBytes(payload)));
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl, path)) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("X-TXC-APIKEY", ApiKey);
        request.Headers.TryAddWithoutValidation("X-TXC-PAYLOAD", payload);
        request.Headers.TryAddWithoutValidation("X-TXC-SIGNATURE", signature);
        return request;
    }
}
