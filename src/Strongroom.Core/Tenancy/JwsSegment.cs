using System.Buffers.Text;

namespace Strongroom.Core.Tenancy;

/// <summary>
/// Strict decoding of one JWS compact-serialization segment (RFC 7515 §2: base64url without padding). The lenient decoder accepts
/// padding, and trailing bits that are not zero, so one token would have several spellings that all verify; a token must have
/// exactly one, so a segment is accepted only when it is the canonical encoding of what it decodes to.
/// </summary>
internal static class JwsSegment
{
    public static bool TryDecode(string segment, out byte[] bytes)
    {
        bytes = [];
        if (segment.Length == 0 || segment.Length % 4 == 1)
        {
            return false;
        }

        foreach (char c in segment)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }

        byte[] decoded;
        try
        {
            decoded = Base64Url.DecodeFromChars(segment);
        }
        catch (FormatException)
        {
            return false;
        }

        // Non-zero trailing bits decode to the same bytes as the canonical spelling; re-encoding exposes them.
        if (!string.Equals(Base64Url.EncodeToString(decoded), segment, StringComparison.Ordinal))
        {
            return false;
        }

        bytes = decoded;
        return true;
    }
}
