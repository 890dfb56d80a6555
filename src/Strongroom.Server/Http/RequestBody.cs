using System.Buffers;

namespace Strongroom.Server.Http;

/// <summary>Reads a request body into memory with a hard size limit (card APIs never need large bodies).</summary>
internal static class RequestBody
{
    public const int MaxBytes = 64 * 1024;

    /// <summary>The body bytes, or null when the body exceeds <paramref name="maxBytes"/>.</summary>
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
            int read = await request.Body.ReadAsync(memory, cancellationToken);
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
