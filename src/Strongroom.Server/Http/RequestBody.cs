using System.Buffers;

namespace Strongroom.Server.Http;

/// <summary>Reads a request body into memory with a hard size limit (card APIs never need large bodies).</summary>
internal static class RequestBody
{
    public const int MaxBytes = 64 * 1024;

    /// <summary>The body bytes, or null when the body exceeds <paramref name="maxBytes"/> (or the server's own body limit).</summary>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, CancellationToken cancellationToken, int maxBytes = MaxBytes)
    {
        if (request.ContentLength > maxBytes)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(request.ContentLength is long length ? (int)Math.Max(length, 1) : 1024);
        while (true)
        {
            Memory<byte> memory = buffer.GetMemory(4096);
            int read;
            try
            {
                read = await request.Body.ReadAsync(memory, cancellationToken);
            }
            catch (BadHttpRequestException tooLarge) when (tooLarge.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                // Kestrel's own limit tripped first (a large chunked write arrives before our count passes maxBytes): the
                // same answer as ours. Other rejections (a malformed chunk, a body too slow) reach the exception handler,
                // which answers their 4xx in the dialect's shape.
                buffer.Clear();
                return null;
            }

            if (read == 0)
            {
                byte[] body = buffer.WrittenSpan.ToArray();

                // The pooled copy may hold card data: zero it rather than leave it for the GC.
                buffer.Clear();
                return body;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > maxBytes)
            {
                buffer.Clear();
                return null;
            }
        }
    }
}
