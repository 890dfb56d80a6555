using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace Strongroom.Client.Http;

/// <summary>
/// A JSON request body that may hold card data: sent from one buffer that is zeroed once the exchange is over, so a PAN
/// does not linger in a pooled or collected array any longer than the request needs it.
/// </summary>
internal sealed class SensitiveContent : ByteArrayContent
{
    private readonly byte[] _bytes;

    public SensitiveContent(byte[] bytes, string mediaType = "application/json")
        : base(bytes)
    {
        _bytes = bytes;
        Headers.ContentType = new MediaTypeHeaderValue(mediaType) { CharSet = mediaType.StartsWith("application/json", StringComparison.Ordinal) ? "utf-8" : null };
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            CryptographicOperations.ZeroMemory(_bytes);
        }

        base.Dispose(disposing);
    }
}
