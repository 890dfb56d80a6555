namespace Strongroom.Core.InboundRoutes;

/// <summary>
/// A route's path pattern, relative to its prefix: segments separated by <c>/</c>, each a literal, <c>*</c> (exactly one
/// segment) or, as the last segment only, <c>**</c> (any rest, including none). <c>/**</c> matches every path.
/// </summary>
public static class InboundPathPattern
{
    public const int MaxLength = 256;

    /// <summary>Why <paramref name="pattern"/> is not a valid pattern, or null.</summary>
    public static string? Validate(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (pattern.Length is 0 or > MaxLength || pattern[0] != '/')
        {
            return $"Must start with / and be at most {MaxLength} characters.";
        }

        string[] segments = pattern[1..].Split('/');
        for (int i = 0; i < segments.Length; i++)
        {
            string segment = segments[i];
            bool last = i == segments.Length - 1;
            if (segment == "**" ? !last : segment != "*" && !IsLiteral(segment) && !(last && segment.Length == 0))
            {
                return "Segments are literals (letters, digits, - . _ ~), * (one segment) or a final ** (the rest).";
            }
        }

        return null;
    }

    /// <summary>Whether <paramref name="path"/> (after the prefix, starting with <c>/</c>) matches <paramref name="pattern"/>.</summary>
    public static bool Matches(string pattern, string path)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(path);
        string[] want = pattern[1..].Split('/');
        string[] have = (path.StartsWith('/') ? path[1..] : path).Split('/');
        for (int i = 0; i < want.Length; i++)
        {
            if (want[i] == "**")
            {
                return true;
            }

            if (i >= have.Length || (want[i] == "*" ? have[i].Length == 0 : !string.Equals(want[i], have[i], StringComparison.Ordinal)))
            {
                return false;
            }
        }

        return have.Length == want.Length;
    }

    private static bool IsLiteral(string segment) =>
        segment.Length > 0 && segment.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~') && segment is not "." and not "..";
}
