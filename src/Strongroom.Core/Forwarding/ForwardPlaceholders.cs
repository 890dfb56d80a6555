using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Strongroom.Core.Forwarding;

/// <summary>The placeholders a forward fills, each with its string form and, for <c>| unwrap</c>, its native JSON form.</summary>
internal sealed class ForwardValues
{
    private readonly Dictionary<string, (string Text, string? Native)> _values = new(StringComparer.Ordinal);

    /// <summary>A value injected as a JSON string; <c>| unwrap</c> emits <paramref name="native"/> (a number) or, when null, the raw text.</summary>
    public void Add(string name, string? text, string? native = null)
    {
        if (text is not null)
        {
            _values[name] = (text, native);
        }
    }

    /// <summary>A placeholder this forward knows of but cannot fill (e.g. the security code, expired or never given).</summary>
    public void AddUnavailable(string name) => Unavailable.Add(name);

    internal HashSet<string> Unavailable { get; } = new(StringComparer.Ordinal);

    internal bool TryGet(string name, out (string Text, string? Native) value) => _values.TryGetValue(name, out value);
}

/// <summary>
/// Renders a forward body: <c>{{ name }}</c> becomes the value as a JSON string (quoted, escaped) and
/// <c>{{ name | unwrap }}</c> its native JSON form (a number for the expiry fields). Every placeholder must be
/// fillable, or nothing is rendered: the forward fails with the names that could not be filled, before anything is sent.
/// </summary>
internal static partial class ForwardPlaceholders
{
    [GeneratedRegex(@"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(\|\s*unwrap\s*)?\}\}", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Placeholder();

    /// <summary>The rendered body (UTF-8; the caller zeroes it after sending), or the placeholders that could not be filled.</summary>
    public static byte[]? Render(string template, IReadOnlySet<string> known, ForwardValues values, out IReadOnlyList<string> unfilled) =>
        Render(template, known, values, out unfilled, out _);

    /// <summary>As <see cref="Render(string, IReadOnlySet{string}, ForwardValues, out IReadOnlyList{string})"/>, also naming the placeholders that were filled.</summary>
    public static byte[]? Render(string template, IReadOnlySet<string> known, ForwardValues values, out IReadOnlyList<string> unfilled, out IReadOnlySet<string> filled)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        filled = used;
        var missing = new List<string>();
        var output = new StringBuilder(template.Length + 64);
        int position = 0;
        foreach (Match match in Placeholder().Matches(template))
        {
            output.Append(template, position, match.Index - position);
            position = match.Index + match.Length;
            string name = match.Groups[1].Value;
            bool unwrap = match.Groups[2].Success;
            if (!known.Contains(name) || values.Unavailable.Contains(name) || !values.TryGet(name, out (string Text, string? Native) value))
            {
                if (!missing.Contains(name))
                {
                    missing.Add(name);
                }

                continue;
            }

            used.Add(name);
            output.Append(unwrap ? value.Native ?? value.Text : JsonSerializer.Serialize(value.Text, CoreJson.Default.String));
        }

        output.Append(template, position, template.Length - position);
        unfilled = missing;
        if (missing.Count > 0)
        {
            output.Clear();
            return null;
        }

        byte[] rendered = Encoding.UTF8.GetBytes(output.ToString());
        output.Clear();
        return rendered;
    }

    /// <summary>
    /// Each secret with its mask, plus the secret as it appears inside a rendered JSON string when escaping changes it
    /// (a base64 cryptogram's <c>+</c> is rendered <c>\u002B</c>), so that an echo of the rendered body is masked too.
    /// </summary>
    public static IReadOnlyList<(string Secret, string Masked)> WithJsonForms(IReadOnlyList<(string Secret, string Masked)> masks)
    {
        var all = new List<(string Secret, string Masked)>(masks.Count * 2);
        foreach ((string secret, string masked) in masks)
        {
            all.Add((secret, masked));
            string escaped = JsonSerializer.Serialize(secret, CoreJson.Default.String)[1..^1];
            if (!string.Equals(escaped, secret, StringComparison.Ordinal))
            {
                all.Add((escaped, masked));
            }
        }

        return all;
    }
}
