using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Strongroom.Client.Http;

namespace Strongroom.Client.WhiteBit;

/// <summary>
/// Signs WhiteBIT v4 requests as the vault (and WhiteBIT) verify them: into the JSON body it writes <c>request</c> (the
/// path), <c>nonce</c> (from the key's <see cref="WhiteBitNonceSource"/>) and, when configured, <c>nonceWindow: true</c>;
/// then it sends <c>X-TXC-APIKEY</c>, <c>X-TXC-PAYLOAD</c> = base64 of the exact body bytes and <c>X-TXC-SIGNATURE</c> =
/// hex(HMAC-SHA512(key = API secret, message = the base64 payload)). Any POST through it is signed, so callers write
/// only their fields. With strict nonces the requests of one key are sent one at a time (a nonce that reaches the vault
/// after a larger one is refused); with the nonce window they go in parallel.
/// </summary>
public sealed class WhiteBitSigningHandler : DelegatingHandler
{
    public const string ApiKeyHeader = "X-TXC-APIKEY";
    public const string PayloadHeader = "X-TXC-PAYLOAD";
    public const string SignatureHeader = "X-TXC-SIGNATURE";

    private readonly string _apiKey;
    private readonly byte[] _secret;
    private readonly bool _nonceWindow;
    private readonly WhiteBitNonceSource _nonces;

    public WhiteBitSigningHandler(WhiteBitClientOptions options, WhiteBitNonceSource nonces)
    {
        ArgumentNullException.ThrowIfNull(options);
        _apiKey = options.ApiKey ?? throw new InvalidOperationException("WhiteBitClientOptions.ApiKey is required.");
        _secret = Encoding.UTF8.GetBytes(options.ApiSecret ?? throw new InvalidOperationException("WhiteBitClientOptions.ApiSecret is required."));
        _nonceWindow = options.UseNonceWindow;
        _nonces = nonces ?? throw new ArgumentNullException(nameof(nonces));
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Method != HttpMethod.Post)
        {
            return await base.SendAsync(request, cancellationToken);
        }

        if (_nonceWindow)
        {
            await SignAsync(request, cancellationToken);
            return await base.SendAsync(request, cancellationToken);
        }

        // Strict nonces: one request of the key in flight at a time, so they reach the vault in the order they were taken.
        await _nonces.Sequence.WaitAsync(cancellationToken);
        try
        {
            await SignAsync(request, cancellationToken);
            return await base.SendAsync(request, cancellationToken);
        }
        finally
        {
            _nonces.Sequence.Release();
        }
    }

    private async Task SignAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        JsonObject body = await ReadBodyAsync(request.Content, cancellationToken);
        body["request"] = PathOf(request.RequestUri);
        body["nonce"] = _nonces.Next();
        if (_nonceWindow)
        {
            body["nonceWindow"] = true;
        }

        byte[] bytes = Serialize(body);
        string payload = Convert.ToBase64String(bytes);
        request.Content?.Dispose();
        request.Content = new SensitiveContent(bytes);
        request.Headers.Remove(ApiKeyHeader);
        request.Headers.Remove(PayloadHeader);
        request.Headers.Remove(SignatureHeader);
        request.Headers.Add(ApiKeyHeader, _apiKey);
        request.Headers.Add(PayloadHeader, payload);
        request.Headers.Add(SignatureHeader, Sign(_secret, payload));
    }

    /// <summary>hex(HMAC-SHA512(secret, ASCII(base64 payload))), lower case.</summary>
    internal static string Sign(byte[] secret, string payload) =>
        Convert.ToHexStringLower(HMACSHA512.HashData(secret, Encoding.ASCII.GetBytes(payload)));

    private static async Task<JsonObject> ReadBodyAsync(HttpContent? content, CancellationToken cancellationToken)
    {
        if (content is null)
        {
            return [];
        }

        byte[] bytes = await content.ReadAsByteArrayAsync(cancellationToken);
        try
        {
            return bytes.Length == 0
                ? []
                : JsonNode.Parse(bytes) as JsonObject ?? throw new InvalidOperationException("A signed WhiteBIT request body must be a JSON object.");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    private static byte[] Serialize(JsonObject body)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            body.WriteTo(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The path the vault compares <c>request</c> with: the URI's path, without query.</summary>
    private static string PathOf(Uri? uri) => uri switch
    {
        null => throw new InvalidOperationException("The request has no URI."),
        { IsAbsoluteUri: true } => uri.AbsolutePath,
        _ => uri.OriginalString.Split('?', 2)[0],
    };

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            CryptographicOperations.ZeroMemory(_secret);
        }

        base.Dispose(disposing);
    }
}
