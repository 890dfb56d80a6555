using System.Diagnostics;

namespace Strongroom.Server.Observability;

/// <summary>
/// Keeps request data out of the HTTP spans. A path can carry a token id, a session id (the hosted form's capability) or, on a
/// mistyped URL, a card number, so a server span's <c>url.path</c> becomes the matched route template (removed when no route
/// matched) and <c>url.query</c> is dropped; a client span (forwarding, webhooks) keeps only the scheme, host and port of
/// <c>url.full</c>.
/// </summary>
internal static class TraceRedaction
{
    public static void RedactServerSpan(Activity activity, HttpResponse response)
    {
        string? template = (response.HttpContext.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
        activity.SetTag("url.path", template);
        activity.SetTag("url.query", null);
    }

    public static void RedactClientSpan(Activity activity, HttpRequestMessage request)
    {
        if (request.RequestUri is { IsAbsoluteUri: true } uri)
        {
            activity.SetTag("url.full", uri.GetLeftPart(UriPartial.Authority) + "/");
        }

        activity.SetTag("url.query", null);
        activity.SetTag("url.path", null);
    }
}
