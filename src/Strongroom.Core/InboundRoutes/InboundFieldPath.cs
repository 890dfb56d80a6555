using System.Globalization;

namespace Strongroom.Core.InboundRoutes;

/// <summary>One step of a JSON path: an object member or an array index.</summary>
public readonly record struct JsonPathStep(string? Member, int Index);

/// <summary>
/// The card field locations a route names: for JSON a path of members and indexes (<c>$.card.number</c>,
/// <c>$.cards[0].pan</c>, <c>$['card number']</c> is not supported: member names are <c>[A-Za-z0-9_-]</c>); for forms a field name.
/// </summary>
public static class InboundFieldPath
{
    public const int MaxLength = 128;

    private const int MaxIndex = 9999;

    /// <summary>The steps of a JSON path, or null when it is not one this proxy reads.</summary>
    public static IReadOnlyList<JsonPathStep>? ParseJson(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length is < 2 or > MaxLength || path[0] != '$')
        {
            return null;
        }

        var steps = new List<JsonPathStep>();
        int i = 1;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                int start = ++i;
                while (i < path.Length && (char.IsAsciiLetterOrDigit(path[i]) || path[i] is '_' or '-'))
                {
                    i++;
                }

                if (i == start)
                {
                    return null;
                }

                steps.Add(new JsonPathStep(path[start..i], -1));
            }
            else if (path[i] == '[')
            {
                int close = path.IndexOf(']', i);
                if (close < 0 || !int.TryParse(path.AsSpan(i + 1, close - i - 1), NumberStyles.None, CultureInfo.InvariantCulture, out int index) || index > MaxIndex)
                {
                    return null;
                }

                steps.Add(new JsonPathStep(null, index));
                i = close + 1;
            }
            else
            {
                return null;
            }
        }

        return steps.Count > 0 ? steps : null;
    }

    /// <summary>Whether <paramref name="name"/> is a form field name this proxy accepts (visible ASCII, no <c>&amp;</c> or <c>=</c>).</summary>
    public static bool IsFormName(string name) =>
        name is { Length: > 0 and <= MaxLength } && name.All(c => c is > ' ' and < '\x7F' and not '&' and not '=' and not '%' and not '+');
}
