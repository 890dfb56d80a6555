using System.Buffers;

namespace Strongroom.Core.Tenancy;

/// <summary>
/// A JWS in compact serialization (RFC 7515 §7.1) has exactly one spelling: three base64url segments without padding, each
/// the canonical encoding of its bytes. <see cref="Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler"/> decodes
/// leniently (it accepts a signature followed by <c>==</c>, for one), so several strings would verify as the same token; this
/// check, made before the handler sees a token, refuses every other spelling without decoding anything.
/// </summary>
internal static class CompactJws
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    private static readonly SearchValues<char> Base64UrlAlphabet = SearchValues.Create(Alphabet);

    public static bool IsCanonical(string token)
    {
        int segments = 0;
        int start = 0;
        for (int i = 0; i <= token.Length; i++)
        {
            if (i == token.Length || token[i] == '.')
            {
                if (!IsCanonicalSegment(token.AsSpan(start, i - start)))
                {
                    return false;
                }

                segments++;
                start = i + 1;
            }
        }

        return segments == 3;
    }

    private static bool IsCanonicalSegment(ReadOnlySpan<char> segment)
    {
        // A length of 1 mod 4 encodes no whole byte; anything outside the URL-safe alphabet (padding included) is another spelling.
        if (segment.IsEmpty || segment.Length % 4 == 1 || segment.ContainsAnyExcept(Base64UrlAlphabet))
        {
            return false;
        }

        // The last character of a 2 or 3 mod 4 segment carries 4 or 2 bits beyond the last byte: they must be zero.
        int spareBits = (segment.Length % 4) switch { 2 => 4, 3 => 2, _ => 0 };
        return (Alphabet.IndexOf(segment[^1], StringComparison.Ordinal) & ((1 << spareBits) - 1)) == 0;
    }
}
