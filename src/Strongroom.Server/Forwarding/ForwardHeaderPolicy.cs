using Microsoft.Extensions.Primitives;
using Strongroom.Core.Cards;
using Strongroom.Server.Guardian;
using Strongroom.Server.WhiteBit;

namespace Strongroom.Server.Forwarding;

/// <summary>Why a forward's headers were refused: the header named (as a JSON path) and a message that never repeats a value.</summary>
internal sealed record ForwardHeaderRefusal(string Path, string Message);

/// <summary>
/// The one rule for which request headers a forward passes on, used by every forward route. The caller's headers go to the
/// destination except those the vault or the connection owns; <c>x-own-header-name</c>/<c>x-own-header-value</c> set one
/// header the vault would otherwise strip (the processor's own <c>x-api-key</c> or <c>Authorization</c>).
/// <para>
/// The caller never chooses, not even through the own header: <c>Host</c> (the vault derives it from the allowlisted
/// <c>x-destination-url</c>; a caller-chosen Host would pick another virtual host behind a shared CDN or reverse proxy),
/// the framing headers (<c>content-length</c>, <c>transfer-encoding</c>; the vault frames the body it rendered), the
/// hop-by-hop headers (<c>connection</c>, <c>te</c>, <c>trailer</c>, <c>upgrade</c>, <c>keep-alive</c>, <c>proxy-*</c>,
/// <c>http2-settings</c> and any the caller's <c>Connection</c> names), <c>expect</c>, the encodings (the vault negotiates
/// compression so it can mask the response), the <c>forwarded</c>/<c>x-forwarded-*</c> family (virtual host and scheme
/// selection behind proxies), and the vault's own control headers. A name that is not an RFC 9110 token, or a value with
/// CR, LF, NUL, another control character or non-ASCII, is refused with a 422 naming the header before anything is sent.
/// </para>
/// </summary>
internal static class ForwardHeaderPolicy
{
    public const string OwnHeaderName = "x-own-header-name";
    public const string OwnHeaderValue = "x-own-header-value";

    /// <summary>Long enough for any real header value (a JWT, a signature), short enough not to be a second body.</summary>
    public const int MaxValueLength = 8 * 1024;

    private const int MaxNameLength = 128;

    /// <summary>Headers the caller can never set on a forward.</summary>
    private static readonly HashSet<string> Forbidden = new(StringComparer.OrdinalIgnoreCase)
    {
        "host", "content-length", "transfer-encoding",
        "connection", "keep-alive", "te", "trailer", "upgrade", "http2-settings", "expect",
        "accept-encoding", "content-encoding",
        "forwarded",
        ForwardEndpoints.DestinationHeader, ForwardEndpoints.CryptogramReferenceHeader, OwnHeaderName, OwnHeaderValue,
        GuardianAuthentication.AdminTokenHeader, GuardianAuthentication.TenantHeader,
    };

    private static readonly string[] ForbiddenPrefixes = ["proxy-", "x-forwarded-"];

    /// <summary>
    /// The vault's own credentials and per-request controls: stripped when passing the caller's headers on, but a caller may
    /// name them as the own header (a processor's <c>x-api-key</c> or <c>Authorization</c> is the usual reason for it).
    /// </summary>
    private static readonly HashSet<string> VaultCredentials = new(StringComparer.OrdinalIgnoreCase)
    {
        GuardianAuthentication.ApiKeyHeader, GuardianIdempotency.Header,
        WhiteBitAuthentication.ApiKeyHeader, WhiteBitAuthentication.PayloadHeader, WhiteBitAuthentication.SignatureHeader,
    };

    /// <summary>
    /// The headers to send, or the refusal. <paramref name="authorizationIsTheVaults"/> when the route authenticates with
    /// <c>Authorization</c> (Tap's bearer key), so the caller's is not passed on.
    /// </summary>
    public static ForwardHeaderRefusal? Evaluate(IHeaderDictionary incoming, bool authorizationIsTheVaults, out List<KeyValuePair<string, string>> headers)
    {
        headers = [];
        var connectionNamed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (string? listed in incoming.Connection)
        {
            foreach (string nominated in (listed ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                connectionNamed.Add(nominated);
            }
        }

        foreach (KeyValuePair<string, StringValues> header in incoming)
        {
            if (IsForbidden(header.Key) || VaultCredentials.Contains(header.Key) || connectionNamed.Contains(header.Key)
                || (authorizationIsTheVaults && header.Key.Equals("authorization", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            if (!IsToken(header.Key))
            {
                return new(PathOf(Printable(header.Key)), $"The header {Quoted(header.Key)} has an invalid name; it cannot be passed on.");
            }

            foreach (string? value in header.Value)
            {
                if (!IsValidValue(value ?? ""))
                {
                    return new(PathOf(header.Key), $"The value of the header '{header.Key}' {ValueRule}.");
                }

                headers.Add(new(header.Key, value ?? ""));
            }
        }

        StringValues ownNames = incoming[OwnHeaderName];
        StringValues ownValues = incoming[OwnHeaderValue];
        if (ownNames.Count == 0 && ownValues.Count == 0)
        {
            return null;
        }

        if (ownNames.Count != 1 || ownValues.Count != 1)
        {
            return ownNames.Count == 0
                ? new(PathOf(OwnHeaderName), $"{OwnHeaderValue} was given without {OwnHeaderName}: name the header to set.")
                : ownValues.Count == 0
                    ? new(PathOf(OwnHeaderValue), $"{OwnHeaderName} was given without {OwnHeaderValue}.")
                    : new(PathOf(OwnHeaderName), $"Give {OwnHeaderName} and {OwnHeaderValue} once each: a forward sets one own header.");
        }

        string name = ownNames[0]!.Trim();
        string ownValue = ownValues[0] ?? "";
        if (!IsToken(name))
        {
            return new(PathOf(OwnHeaderName), $"The header name {Quoted(name)} is not a valid HTTP field name (RFC 9110 token: letters, digits and !#$%&'*+-.^_`|~).");
        }

        if (IsForbidden(name))
        {
            return new(PathOf(OwnHeaderName), $"The header '{name}' cannot be set by the caller: {WhyForbidden(name)}.");
        }

        if (!IsValidValue(ownValue))
        {
            return new(PathOf(OwnHeaderValue), $"The value for the header '{name}' {ValueRule}.");
        }

        headers.RemoveAll(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase));
        headers.Add(new(name, ownValue));
        return null;
    }

    /// <summary>Puts the evaluated headers on the outgoing request (content headers on its content).</summary>
    public static void Apply(IReadOnlyList<KeyValuePair<string, string>> headers, HttpRequestMessage outgoing)
    {
        foreach ((string name, string value) in headers)
        {
            if (!outgoing.Headers.TryAddWithoutValidation(name, value))
            {
                outgoing.Content?.Headers.TryAddWithoutValidation(name, value);
            }
        }
    }

    /// <summary>
    /// Whether a response header of the destination reaches the caller (its value masked): not the hop-by-hop and framing
    /// headers (the vault frames its own answer, uncompressed), and not a digest or entity tag of the body, which hashes the
    /// unmasked card number: with the first six and last four shown, the rest is found by trying a few hundred thousand candidates.
    /// </summary>
    public static bool IsPassedBack(string name) => !ResponseWithheld.Contains(name) && !name.StartsWith("proxy-", StringComparison.OrdinalIgnoreCase);

    private static readonly HashSet<string> ResponseWithheld = new(StringComparer.OrdinalIgnoreCase)
    {
        "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "content-length", "content-encoding",
        "etag", "content-md5", "digest", "content-digest", "repr-digest",
    };

    public static bool IsForbidden(string name) =>
        Forbidden.Contains(name) || ForbiddenPrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));

    /// <summary>RFC 9110 §5.6.2: token = 1*tchar.</summary>
    public static bool IsToken(string name)
    {
        if (name.Length is 0 or > MaxNameLength)
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// RFC 9110 §5.5 field-content without obs-text: visible ASCII, space and tab. CR, LF and NUL would split or end the
    /// header; non-ASCII is refused because the outbound client sends ASCII only.
    /// </summary>
    public static bool IsValidValue(string value)
    {
        if (value.Length > MaxValueLength)
        {
            return false;
        }

        foreach (char c in value)
        {
            if (!(c is >= '\x20' and <= '\x7E' || c == '\t'))
            {
                return false;
            }
        }

        return true;
    }

    private const string ValueRule = "must be at most 8 KB of visible ASCII, spaces and tabs (no CR, LF, NUL or other control characters)";

    private static string WhyForbidden(string name) => name.ToLowerInvariant() switch
    {
        "host" => "the vault sends the Host of the allowlisted x-destination-url",
        "content-length" or "transfer-encoding" => "the vault frames the body it rendered",
        "accept-encoding" or "content-encoding" => "the vault negotiates encodings itself, to mask the response",
        "expect" => "the vault sends the body at once",
        string n when n.StartsWith("x-forwarded-", StringComparison.Ordinal) || n == "forwarded" => "it would pick the destination's virtual host or scheme behind a proxy",
        string n when n.StartsWith("proxy-", StringComparison.Ordinal) || n is "connection" or "keep-alive" or "te" or "trailer" or "upgrade" or "http2-settings" =>
            "it is a hop-by-hop header, owned by the vault's own connection",
        _ => "it is one of the vault's own control headers",
    };

    private static string PathOf(string header) => $"$.headers['{header}']";

    /// <summary>A caller's invalid header name, quoted for a message: never a card number, never control characters, never long.</summary>
    private static string Quoted(string name)
    {
        string printable = Printable(name);
        return printable.Length == 0 || PanDetector.ContainsPan(printable) ? "given" : $"'{printable}'";
    }

    private static string Printable(string name)
    {
        string visible = new([.. name.Select(c => c is >= '\x20' and <= '\x7E' && c != '\'' ? c : '?').Take(MaxNameLength)]);
        return PanDetector.ContainsPan(visible) ? "(name withheld)" : visible;
    }
}
