using Strongroom.Core.Cards;

namespace Strongroom.Core.Sessions;

/// <summary>
/// The web origins a tenant's checkout pages live on. One list drives three browser-side permissions of
/// the hosted card form: which pages may frame it (CSP <c>frame-ancestors</c>), which parent frames it
/// posts its result to, and which return URLs it redirects to. Exact origins only, no wildcards: each
/// entry ends up in a security header, and a wildcard would hand a merchant's whole domain to any subdomain.
/// </summary>
public static class HostedFormOrigins
{
    public const int MaxOrigins = 10;

    /// <summary>The tenant setting the list is stored under (JSON array of normalized origins).</summary>
    public const string SettingName = "hosted_form.allowed_origins";

    /// <summary>
    /// Normalizes <paramref name="value"/> to <c>scheme://host[:port]</c>. HTTPS is required, except plain HTTP
    /// on a loopback host for local development.
    /// </summary>
    public static bool TryNormalize(string? value, out string origin, out string? error)
    {
        origin = "";
        if (string.IsNullOrWhiteSpace(value) || value.Length > 200 || !Uri.TryCreate(value, UriKind.Absolute, out Uri? uri))
        {
            error = "Must be an absolute origin such as https://shop.example.com.";
            return false;
        }

        bool loopback = uri.IsLoopback;
        if (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && loopback))
        {
            error = "Must use https (http is allowed only for a loopback host).";
            return false;
        }

        if (uri.UserInfo.Length > 0 || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || value.TrimEnd('/').Contains('*', StringComparison.Ordinal))
        {
            error = "Must be an origin only: scheme, host and optional port, without path, query, wildcard or credentials.";
            return false;
        }

        origin = uri.GetLeftPart(UriPartial.Authority).ToLowerInvariant();
        if (PanDetector.ContainsPan(value) || PanDetector.ContainsPan(origin))
        {
            // An origin is stored in clear and echoed in security headers: a card number typed as a host would leak there.
            origin = "";
            error = "Must not contain a card number.";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>The origin (<c>scheme://host[:port]</c>) of an absolute http(s) URL, or null.</summary>
    public static string? OriginOf(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) && uri.UserInfo.Length == 0
            ? uri.GetLeftPart(UriPartial.Authority).ToLowerInvariant()
            : null;
}
