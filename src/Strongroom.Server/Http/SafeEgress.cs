using System.Net;
using System.Net.Sockets;
using Strongroom.Core.Egress;

namespace Strongroom.Server.Http;

/// <summary>Thrown from a connect callback when every address of the host is one the vault must not reach.</summary>
internal sealed class EgressBlockedException(string message) : Exception(message);

/// <summary>
/// SSRF defence for outbound HTTP (forwarding, webhooks), used as a <see cref="SocketsHttpHandler.ConnectCallback"/>: the host
/// is resolved here, addresses <see cref="EgressAddressPolicy"/> forbids (private, loopback, link-local, any special-purpose range, and
/// IPv6 forms carrying such an IPv4 address) are dropped unless allowed, and the socket connects to exactly
/// the addresses checked, so a DNS answer cannot change between the check and the connection (rebinding).
/// </summary>
internal static class SafeEgress
{
    public static async ValueTask<Stream> ConnectAsync(DnsEndPoint endPoint, bool allowPrivate, string blockedMessage, CancellationToken cancellationToken)
    {
        string host = endPoint.Host;
        IPAddress[] addresses = IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        IPAddress[] allowed = [.. addresses.Where(a => allowPrivate || !EgressAddressPolicy.IsForbidden(a))];
        if (allowed.Length == 0)
        {
            throw new EgressBlockedException(blockedMessage);
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, endPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
