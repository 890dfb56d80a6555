using System.Text;
using Strongroom.Core.Cards;

namespace Strongroom.Core.Forwarding;

/// <summary>
/// The one place that scrubs a forward's response (body and header values) of the card data the forward carried, before
/// the caller sees it. The destination holds the card data; the caller, who only has a token, must not get it back.
/// <list type="bullet">
/// <item>The card number (or network token number) is masked wherever its digits appear in order, with or without
/// separators between them: up to <see cref="MaxSeparatorBytes"/> bytes that are neither ASCII letters nor digits (spaces,
/// dashes, dots, slashes, a no-break space, the NUL bytes of UTF-16 text) or are an escaped character (<c>%20</c>,
/// <c>\u0020</c>, <c>&amp;#32;</c>, <c>&amp;nbsp;</c>). The digits keep their places and all but the first
/// six and last four become <c>*</c>, so <c>4111 1111 1111 1111</c> becomes <c>4111 11** **** 1111</c>. The number is masked
/// even inside a longer digit run: it is long enough that a match is never chance.</item>
/// <item>A security code the vault filled in (the card's CVC, a network token's dynamic CVV) is masked where it stands as
/// a whole ASCII digit run: not preceded or followed by a digit. <c>"cvc":"737"</c> and <c>CVC 737.</c> are masked,
/// <c>17370</c> is not. It is not looked for with separators between its digits: three digits spread out match dates,
/// amounts and versions by chance. A standalone number equal to the code (an amount of 737) is masked too: the caller loses a
/// number, never sees the code.</item>
/// <item>Other secrets (a cryptogram, also as JSON escaping changed it) are replaced wherever they appear exactly.</item>
/// <item>Last, any other card number <see cref="PanDetector"/> recognises (a processor echoing the funding card of a
/// network token, say) is redacted from text that is valid UTF-8.</item>
/// </list>
/// </summary>
public sealed class ForwardResponseMasker
{
    /// <summary>
    /// The most bytes between two digits of a card number that still count as separators: <c>" - "</c> is seven in UTF-16
    /// and fourteen as JSON escapes (<c>\u0020-\u0020</c>, counting the dash).
    /// </summary>
    public const int MaxSeparatorBytes = 16;

    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    private readonly byte[][] _pans;
    private readonly byte[][] _securityCodes;
    private readonly (byte[] Secret, byte[] Masked)[] _literals;

    /// <param name="pans">Card numbers (digits only) to mask in any separator form.</param>
    /// <param name="securityCodes">Security codes (digits only) the vault filled in, masked as standalone digit runs.</param>
    /// <param name="literals">Other secrets, replaced by their mask wherever they appear exactly.</param>
    public ForwardResponseMasker(IEnumerable<string> pans, IEnumerable<string> securityCodes, IEnumerable<(string Secret, string Masked)> literals)
    {
        _pans = [.. pans.Where(p => p.Length > 0 && p.All(char.IsAsciiDigit)).Select(Encoding.ASCII.GetBytes)];
        _securityCodes = [.. securityCodes.Where(c => c.Length > 0 && c.All(char.IsAsciiDigit)).Select(Encoding.ASCII.GetBytes)];
        _literals = [.. literals.Where(l => l.Secret.Length > 0).Select(l => (Encoding.UTF8.GetBytes(l.Secret), Encoding.UTF8.GetBytes(l.Masked)))];
    }

    /// <summary>A masker that only applies the generic card number redaction.</summary>
    public static ForwardResponseMasker None { get; } = new([], [], []);

    /// <summary>The body with every secret masked (a new array; <paramref name="body"/> is left as it was).</summary>
    public byte[] MaskBody(byte[] body)
    {
        ArgumentNullException.ThrowIfNull(body);
        byte[] masked = (byte[])body.Clone();
        foreach ((byte[] secret, byte[] replacement) in _literals)
        {
            masked = ReplaceAll(masked, secret, replacement);
        }

        foreach (byte[] pan in _pans)
        {
            MaskPan(masked, pan);
        }

        foreach (byte[] code in _securityCodes)
        {
            MaskStandalone(masked, code);
        }

        return RedactOtherCards(masked);
    }

    /// <summary>A header value with every secret masked.</summary>
    public string MaskText(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        byte[] masked = MaskBody(Encoding.UTF8.GetBytes(value));
        return Encoding.UTF8.GetString(masked);
    }

    private static void MaskPan(byte[] body, byte[] pan)
    {
        Span<int> positions = stackalloc int[pan.Length];
        int start = 0;
        while (start < body.Length)
        {
            int found = body.AsSpan(start).IndexOf(pan[0]);
            if (found < 0)
            {
                return;
            }

            int at = start + found;
            if (MatchSeparated(body, at, pan, positions))
            {
                for (int k = 6; k < pan.Length - 4; k++)
                {
                    body[positions[k]] = (byte)'*';
                }

                start = positions[^1] + 1;
            }
            else
            {
                start = at + 1;
            }
        }
    }

    /// <summary>The PAN's digits in order from <paramref name="start"/>, each gap at most <see cref="MaxSeparatorBytes"/> separator bytes.</summary>
    private static bool MatchSeparated(byte[] body, int start, byte[] pan, Span<int> positions)
    {
        int at = start;
        for (int k = 0; k < pan.Length; k++)
        {
            if (k > 0)
            {
                int gapStart = at;
                while (at < body.Length && at - gapStart <= MaxSeparatorBytes && SeparatorLength(body, at) is int length and > 0)
                {
                    at += length;
                }

                if (at - gapStart > MaxSeparatorBytes)
                {
                    return false;
                }
            }

            if (at >= body.Length || body[at] != pan[k])
            {
                return false;
            }

            positions[k] = at++;
        }

        return true;
    }

    /// <summary>
    /// How many bytes at <paramref name="at"/> form one separator, or 0: a byte that is neither an ASCII letter nor an ASCII
    /// digit (bytes of multi-byte UTF-8 characters count, so a no-break space does), or an escaped character as a destination
    /// writes one into a URL, JSON or HTML: <c>%20</c>, <c>\u0020</c>, <c>&amp;#32;</c>, <c>&amp;#x20;</c>, <c>&amp;nbsp;</c>.
    /// </summary>
    private static int SeparatorLength(byte[] body, int at)
    {
        byte b = body[at];
        if (b == (byte)'%' && at + 2 < body.Length && char.IsAsciiHexDigit((char)body[at + 1]) && char.IsAsciiHexDigit((char)body[at + 2]))
        {
            return 3;
        }

        if (b == (byte)'\\' && at + 5 < body.Length && body[at + 1] == (byte)'u' && body.AsSpan(at + 2, 4).ToArray().All(h => char.IsAsciiHexDigit((char)h)))
        {
            return 6;
        }

        if (b == (byte)'&')
        {
            int end = body.AsSpan(at, Math.Min(10, body.Length - at)).IndexOf((byte)';');
            if (end > 1 && body.AsSpan(at + 1, end - 1).ToArray().All(c => char.IsAsciiLetterOrDigit((char)c) || c == (byte)'#'))
            {
                return end + 1;
            }
        }

        return char.IsAsciiLetterOrDigit((char)b) ? 0 : 1;
    }

    private static void MaskStandalone(byte[] body, byte[] code)
    {
        int offset = 0;
        while (offset < body.Length)
        {
            int found = body.AsSpan(offset).IndexOf(code);
            if (found < 0)
            {
                return;
            }

            int at = offset + found;
            int end = at + code.Length;
            bool standalone = (at == 0 || !char.IsAsciiDigit((char)body[at - 1])) && (end == body.Length || !char.IsAsciiDigit((char)body[end]));
            if (standalone)
            {
                body.AsSpan(at, code.Length).Fill((byte)'*');
            }

            offset = at + 1;
        }
    }

    private static byte[] ReplaceAll(byte[] body, byte[] needle, byte[] replacement)
    {
        int at = body.AsSpan().IndexOf(needle);
        if (at < 0)
        {
            return body;
        }

        using var output = new MemoryStream(body.Length);
        int position = 0;
        while (at >= 0)
        {
            output.Write(body, position, at - position);
            output.Write(replacement);
            position = at + needle.Length;
            int next = body.AsSpan(position).IndexOf(needle);
            at = next < 0 ? -1 : position + next;
        }

        output.Write(body, position, body.Length - position);
        return output.ToArray();
    }

    private static byte[] RedactOtherCards(byte[] body)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(body);
        }
        catch (DecoderFallbackException)
        {
            return body; // not text: only the forward's own secrets (masked above) can be recognised in it
        }

        string redacted = PanDetector.Redact(text, out int redactions);
        return redactions == 0 ? body : Encoding.UTF8.GetBytes(redacted);
    }
}
