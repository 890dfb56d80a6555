using System.Net;
using System.Reflection;
using System.Text;
using Strongroom.Core.Sessions;

namespace Strongroom.Server.HostedForm;

/// <summary>
/// Renders the hosted card form from the embedded template and serves its script and stylesheet.
/// Everything is same-origin and static (no inline script or style, no third-party resource), so the
/// page runs under a CSP of <c>'self'</c> only. The template carries the session's state in data
/// attributes; the script does the rest.
/// </summary>
internal static class HostedFormPage
{
    private static readonly string Template = ReadAsset("form.html");

    /// <summary>The static assets, by the name the page links them under.</summary>
    public static readonly IReadOnlyDictionary<string, (byte[] Body, string ContentType)> Assets = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal)
    {
        ["form.js"] = (Encoding.UTF8.GetBytes(ReadAsset("form.js")), "text/javascript; charset=utf-8"),
        ["form.css"] = (Encoding.UTF8.GetBytes(ReadAsset("form.css")), "text/css; charset=utf-8"),
    };

    /// <summary>What the page shows: the form for an open session, or a message for one that cannot be used.</summary>
    public sealed record Model(
        string State,
        string Message,
        Guid? SessionId = null,
        SessionKind Kind = SessionKind.PciToken,
        string? CardHint = null,
        string? ReturnUrl = null,
        IReadOnlyList<string>? ParentOrigins = null,
        int AttemptsRemaining = 0);

    public static string Render(Model model)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["state"] = model.State,
            ["message"] = model.Message,
            ["session_id"] = model.SessionId?.ToString() ?? "",
            ["kind"] = Guardian.GuardianResponses.KindName(model.Kind),
            ["card_hint"] = model.CardHint ?? "",
            ["return_url"] = model.ReturnUrl ?? "",
            ["parent_origins"] = string.Join(' ', model.ParentOrigins ?? []),
            ["attempts_remaining"] = model.AttemptsRemaining.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

        var html = new StringBuilder(Template.Length + 256);
        int position = 0;
        while (true)
        {
            int start = Template.IndexOf("{{", position, StringComparison.Ordinal);
            if (start < 0)
            {
                html.Append(Template, position, Template.Length - position);
                return html.ToString();
            }

            int end = Template.IndexOf("}}", start, StringComparison.Ordinal);
            string name = Template[(start + 2)..end].Trim();
            html.Append(Template, position, start - position);

            // Every value is attribute-encoded: the return URL is merchant-supplied.
            html.Append(WebUtility.HtmlEncode(values[name]));
            position = end + 2;
        }
    }

    private static string ReadAsset(string name)
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Strongroom.HostedForm." + name)
            ?? throw new InvalidOperationException($"Embedded asset {name} is missing.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
