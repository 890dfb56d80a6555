using System.Net;
using System.Net.Sockets;

namespace Strongroom.Server.Http;

/// <summary>Thrown from a connect callback when every address of the host is one the vault must not reach.</summary>
internal sealed class EgressBlockedException(string message) : Exception(message);

/// <summary>
/// SSRF defence for outbound HTTP (forwarding, webhooks), used as a <see cref="SocketsHttpHandler.ConnectCallback"/>: the host
/// is resolved here, private, loopback and link-local addresses are dropped unless allowed, and the socket connects to exactly
/// the addresses checked, so a DNS answer cannot change between the check and the connection (rebinding).
/// </summary>
internal static class SafeEgress
{
    public static async ValueTask<Stream> ConnectAsync(DnsEndPoint endPoint, bool allowPrivate, string blockedMessage, CancellationToken cancellationToken)
    {
        string host = endPoint.Host;
        IPAddress[] addresses = IPAddress.TryParse(host, out IPAddress? literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        IPAddress[] allowed = [.. addresses.Where(a => allowPrivate || !IsPrivate(a))];
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

    /// <summary>True for addresses outbound calls must not reach unless explicitly allowed: loopback, private, link-local (cloud metadata), CGNAT, multicast.</summary>
    public static bool IsPrivate(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            byte[] b = address.GetAddressBytes();
            return b[0] == 0 || b[0] == 10 || b[0] == 127 || b[0] >= 224
                || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)   // carrier-grade NAT
                || (b[0] == 169 && b[1] == 254)                 // link-local, cloud metadata
                || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 192 && b[1] == 0 && b[2] == 0)
                || (b[0] == 198 && (b[1] == 18 || b[1] == 19));
        }

        return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal;
    }
}
