using System.Text;

namespace Strongroom.Testing;

/// <summary>Byte-pattern helpers for the data-at-rest scans.</summary>
public static class ByteSearch
{
    public static byte[] Ascii(string value) => Encoding.ASCII.GetBytes(value);

    public static byte[] Utf16(string value) => Encoding.Unicode.GetBytes(value);

    public static byte[] Utf16BigEndian(string value) => Encoding.BigEndianUnicode.GetBytes(value);

    /// <summary>Lower-case hex of the ASCII bytes, as PostgreSQL prints a bytea (<c>\x3431…</c>).</summary>
    public static string HexOfAscii(string value) => Convert.ToHexStringLower(Encoding.ASCII.GetBytes(value));

    public static bool Contains(ReadOnlySpan<byte> haystack, ReadOnlySpan<byte> needle) => haystack.IndexOf(needle) >= 0;

    /// <summary>
    /// Occurrences of <paramref name="needle"/> that are not part of a longer run of hex characters or dashes,
    /// i.e. not inside a textual UUID or hex string (where any short digit string shows up by chance).
    /// </summary>
    public static int CountStandalone(ReadOnlySpan<byte> haystack, ReadOnlySpan<byte> needle)
    {
        int count = 0;
        int offset = 0;
        while (offset <= haystack.Length - needle.Length)
        {
            int index = haystack[offset..].IndexOf(needle);
            if (index < 0)
            {
                break;
            }

            int start = offset + index;
            int end = start + needle.Length;
            bool before = start > 0 && IsHexOrDash(haystack[start - 1]);
            bool after = end < haystack.Length && IsHexOrDash(haystack[end]);
            if (!before && !after)
            {
                count++;
            }

            offset = start + 1;
        }

        return count;
    }

    private static bool IsHexOrDash(byte b) => b is (>= (byte)'0' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f') or (>= (byte)'A' and <= (byte)'F') or (byte)'-';

    /// <summary>Reads a file that another process (SQLite, PostgreSQL) may have open for writing.</summary>
    public static byte[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
