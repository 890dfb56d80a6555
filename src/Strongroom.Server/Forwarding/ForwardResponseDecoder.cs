using System.IO.Compression;

namespace Strongroom.Server.Forwarding;

/// <summary>
/// Undoes the content encodings of a destination's response so that masking sees the plain bytes: the vault asks for
/// <see cref="AcceptEncoding"/> only, decodes every layer the destination applied (in reverse order), and passes the body on
/// uncompressed (with <c>content-encoding</c> and <c>content-length</c> dropped and its own length set). An encoding it
/// cannot undo, or a corrupt stream, is refused rather than passed on unread: masking cannot see inside it.
/// The size limit applies to the decoded body, so a small compressed bomb cannot grow past it.
/// </summary>
internal static class ForwardResponseDecoder
{
    public const string AcceptEncoding = "gzip, deflate, br";

    private const int MaxLayers = 4;

    public enum Outcome
    {
        Decoded,
        TooLarge,
        Unsupported,
    }

    public static Outcome Decode(byte[] raw, IEnumerable<string> contentEncodings, int limit, out byte[] body, out string? detail)
    {
        body = raw;
        detail = null;
        List<string> layers = [.. contentEncodings
            .SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .Where(e => !e.Equals("identity", StringComparison.OrdinalIgnoreCase))];
        if (layers.Count > MaxLayers)
        {
            detail = $"The destination's response has {layers.Count} content encodings; at most {MaxLayers} are undone.";
            return Outcome.Unsupported;
        }

        for (int i = layers.Count - 1; i >= 0; i--)
        {
            string encoding = layers[i].ToLowerInvariant();
            if (encoding is not ("gzip" or "x-gzip" or "deflate" or "br"))
            {
                detail = "The destination's response uses a content encoding the vault cannot inspect (only gzip, deflate and br are undone), so it is not passed on.";
                return Outcome.Unsupported;
            }

            try
            {
                byte[]? decoded = Inflate(body, encoding, limit);
                if (decoded is null)
                {
                    detail = $"The destination's response exceeds {limit} bytes once decompressed.";
                    return Outcome.TooLarge;
                }

                body = decoded;
            }
            catch (InvalidDataException)
            {
                detail = $"The destination's {encoding} response body is corrupt, so it is not passed on.";
                return Outcome.Unsupported;
            }
        }

        return Outcome.Decoded;
    }

    private static byte[]? Inflate(byte[] compressed, string encoding, int limit)
    {
        using var input = new MemoryStream(compressed, writable: false);
        using Stream decoder = encoding switch
        {
            "br" => new BrotliStream(input, CompressionMode.Decompress),
            "deflate" => IsZlib(compressed) ? new ZLibStream(input, CompressionMode.Decompress) : new DeflateStream(input, CompressionMode.Decompress),
            _ => new GZipStream(input, CompressionMode.Decompress),
        };
        using var output = new MemoryStream();
        byte[] chunk = new byte[16 * 1024];
        int read;
        while ((read = decoder.Read(chunk)) > 0)
        {
            if (output.Length + read > limit)
            {
                return null;
            }

            output.Write(chunk, 0, read);
        }

        return output.ToArray();
    }

    /// <summary>HTTP's "deflate" is zlib-wrapped (RFC 9110), but some servers send raw deflate: a zlib header is CM 8 and a multiple of 31.</summary>
    private static bool IsZlib(byte[] data) => data.Length >= 2 && (data[0] & 0x0F) == 8 && ((data[0] << 8) | data[1]) % 31 == 0;
}
