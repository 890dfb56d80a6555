using System.Net.Sockets;

namespace Strongroom.Server.Webhooks;

/// <summary>
/// Turns a failed webhook send into one sentence an operator can act on: which of DNS, connection, TLS or timeout broke,
/// naming the receiver's host and port (never its path or query, which may carry a merchant's secret).
/// </summary>
internal static class WebhookFailureReason
{
    public static string Timeout(Uri url, TimeSpan timeout) =>
        FormattableString.Invariant($"Timed out: {Receiver(url)} did not answer within {timeout.TotalSeconds:0.#} s.");

    public static string Of(HttpRequestException exception, Uri url)
    {
        SocketError? socketError = FindSocketError(exception);
        return (exception.HttpRequestError, socketError) switch
        {
            (HttpRequestError.NameResolutionError, _) or (_, SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain) =>
                $"DNS failure: the host name {url.IdnHost} did not resolve.",
            (_, SocketError.ConnectionRefused) => $"Connection refused by {Receiver(url)}.",
            (_, SocketError.TimedOut) => $"Connect timed out: {Receiver(url)} did not accept the connection.",
            (_, SocketError.NetworkUnreachable or SocketError.HostUnreachable) => $"Network unreachable: no route to {Receiver(url)}.",
            (HttpRequestError.SecureConnectionError, _) =>
                $"TLS handshake with {Receiver(url)} failed ({Innermost(exception)}).",
            (HttpRequestError.ConnectionError, _) => $"Connection to {Receiver(url)} failed or was dropped ({Innermost(exception)}).",
            (HttpRequestError.InvalidResponse or HttpRequestError.ResponseEnded, _) => $"Invalid HTTP response from {Receiver(url)}.",
            _ => $"Could not reach {Receiver(url)} ({exception.HttpRequestError}).",
        };
    }

    private static string Receiver(Uri url) => FormattableString.Invariant($"{url.IdnHost}:{url.Port}");

    private static SocketError? FindSocketError(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is SocketException socket)
            {
                return socket.SocketErrorCode;
            }
        }

        return null;
    }

    /// <summary>The innermost exception's type: says what broke (e.g. AuthenticationException) without echoing a message that may quote data.</summary>
    private static string Innermost(Exception exception)
    {
        Exception e = exception;
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e.GetType().Name;
    }
}
