using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Strongroom.Core.Egress;

/// <summary>
/// The one rule for which addresses the vault's outbound calls (forwarding, webhooks) must not reach unless a private
/// network is explicitly allowed. It covers the IANA IPv4 and IPv6 special-purpose address registries in full, plus
/// multicast, broadcast and (for IPv6) everything outside global unicast 2000::/3.
/// <para>
/// IPv6 forms that carry an IPv4 address (IPv4-compatible ::a.b.c.d, IPv4-mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96
/// and 64:ff9b:1::/48, 6to4 2002::/16, Teredo 2001::/32) are unwrapped and the embedded address is judged as well, because
/// a dual-stack socket, a NAT64 gateway or a tunnel relay delivers the packet to that IPv4 address. Only the two forms a
/// real network uses to reach public IPv4 hosts (IPv4-mapped, and the well-known NAT64 prefix that DNS64 synthesises) are
/// allowed when their embedded address is; the deprecated or local-only ones (IPv4-compatible, local-use NAT64, 6to4,
/// Teredo) are refused whatever they carry.
/// </para>
/// </summary>
public static class EgressAddressPolicy
{
    private static readonly (uint Network, int Bits, string Name)[] V4 =
    [
        (Ip4(0, 0, 0, 0), 8, "this network (0.0.0.0/8)"),
        (Ip4(10, 0, 0, 0), 8, "private (10.0.0.0/8)"),
        (Ip4(100, 64, 0, 0), 10, "shared address space (100.64.0.0/10)"),
        (Ip4(127, 0, 0, 0), 8, "loopback (127.0.0.0/8)"),
        (Ip4(169, 254, 0, 0), 16, "link-local (169.254.0.0/16)"),
        (Ip4(172, 16, 0, 0), 12, "private (172.16.0.0/12)"),
        (Ip4(192, 0, 0, 0), 24, "IETF protocol assignments (192.0.0.0/24)"),
        (Ip4(192, 0, 2, 0), 24, "documentation (192.0.2.0/24)"),
        (Ip4(192, 31, 196, 0), 24, "AS112-v4 (192.31.196.0/24)"),
        (Ip4(192, 52, 193, 0), 24, "AMT (192.52.193.0/24)"),
        (Ip4(192, 88, 99, 0), 24, "6to4 relay anycast (192.88.99.0/24)"),
        (Ip4(192, 168, 0, 0), 16, "private (192.168.0.0/16)"),
        (Ip4(192, 175, 48, 0), 24, "AS112 direct delegation (192.175.48.0/24)"),
        (Ip4(198, 18, 0, 0), 15, "benchmarking (198.18.0.0/15)"),
        (Ip4(198, 51, 100, 0), 24, "documentation (198.51.100.0/24)"),
        (Ip4(203, 0, 113, 0), 24, "documentation (203.0.113.0/24)"),
        (Ip4(224, 0, 0, 0), 4, "multicast (224.0.0.0/4)"),
        (Ip4(240, 0, 0, 0), 4, "reserved (240.0.0.0/4, with broadcast 255.255.255.255)"),
    ];

    private static readonly (UInt128 Network, int Bits, string Name)[] V6 =
    [
        (Ip6("::"), 128, "unspecified (::/128)"),
        (Ip6("::1"), 128, "loopback (::1/128)"),
        (Ip6("::"), 96, "IPv4-compatible (::/96, deprecated)"),
        (Ip6("64:ff9b:1::"), 48, "local-use NAT64 (64:ff9b:1::/48)"),
        (Ip6("100::"), 64, "discard-only (100::/64)"),
        (Ip6("100:0:0:1::"), 64, "dummy prefix (100:0:0:1::/64)"),
        (Ip6("2001::"), 32, "Teredo (2001::/32)"),
        (Ip6("2001::"), 23, "IETF protocol assignments (2001::/23)"),
        (Ip6("2001:db8::"), 32, "documentation (2001:db8::/32)"),
        (Ip6("2002::"), 16, "6to4 (2002::/16)"),
        (Ip6("2620:4f:8000::"), 48, "AS112-v6 direct delegation (2620:4f:8000::/48)"),
        (Ip6("3fff::"), 20, "documentation (3fff::/20)"),
        (Ip6("5f00::"), 16, "segment routing SIDs (5f00::/16)"),
        (Ip6("fc00::"), 7, "unique local (fc00::/7)"),
        (Ip6("fe80::"), 10, "link-local (fe80::/10)"),
        (Ip6("fec0::"), 10, "site-local (fec0::/10, deprecated)"),
        (Ip6("ff00::"), 8, "multicast (ff00::/8)"),
    ];

    private static readonly UInt128 Mapped = Ip6("::ffff:0:0");
    private static readonly UInt128 Nat64 = Ip6("64:ff9b::");
    private static readonly UInt128 GlobalUnicast = Ip6("2000::");

    /// <summary>True when an outbound call must not connect to <paramref name="address"/> (unless private networks are allowed).</summary>
    public static bool IsForbidden(IPAddress address) => ForbiddenRange(address) is not null;

    /// <summary>The special-purpose range that forbids <paramref name="address"/> (named for messages and tests), or null when it may be reached.</summary>
    public static string? ForbiddenRange(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return V4Range(V4Value(address));
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return "not an IP address";
        }

        UInt128 value = BinaryPrimitives.ReadUInt128BigEndian(address.GetAddressBytes());
        if (EmbeddedIPv4(value) is uint embedded && V4Range(embedded) is string inner)
        {
            return $"{Describe(value)} carrying {inner}";
        }

        if (InPrefix(value, Mapped, 96) || InPrefix(value, Nat64, 96))
        {
            return null; // a public IPv4 host, reached through a dual-stack socket or the well-known NAT64 prefix
        }

        foreach ((UInt128 network, int bits, string name) in V6)
        {
            if (InPrefix(value, network, bits))
            {
                return name;
            }
        }

        return InPrefix(value, GlobalUnicast, 3) ? null : "not global unicast (outside 2000::/3)";
    }

    /// <summary>
    /// For a URL whose host is an IP literal (in any form <see cref="Uri"/> accepts: 127.1, 0x7f000001, [::127.0.0.1]), the range that
    /// forbids it, so a configuration is refused when it is given rather than failing on every call; null for a host name (judged
    /// after DNS, at connect) or an allowed address.
    /// </summary>
    public static string? ForbiddenLiteral(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 && IPAddress.TryParse(url.DnsSafeHost.Trim('[', ']'), out IPAddress? ip)
            ? ForbiddenRange(ip)
            : null;
    }

    /// <summary>The IPv4 address an IPv6 address carries (IPv4-compatible, mapped, NAT64, 6to4, Teredo), or null.</summary>
    public static IPAddress? EmbeddedIPv4(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return null;
        }

        uint? embedded = EmbeddedIPv4(BinaryPrimitives.ReadUInt128BigEndian(address.GetAddressBytes()));
        if (embedded is not uint v4)
        {
            return null;
        }

        byte[] bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, v4);
        return new IPAddress(bytes);
    }

    private static uint? EmbeddedIPv4(UInt128 value)
    {
        uint low = (uint)value;
        if (InPrefix(value, UInt128.Zero, 96) || InPrefix(value, Mapped, 96) || InPrefix(value, Nat64, 96))
        {
            // IPv4-compatible (:: and ::1 are judged as themselves: they are not IPv4 0.0.0.0/0.0.0.1), mapped, NAT64 /96: the last 32 bits.
            return InPrefix(value, UInt128.Zero, 96) && low <= 1 ? null : low;
        }

        if (InPrefix(value, Ip6("64:ff9b:1::"), 48))
        {
            // RFC 6052 with a /48 prefix: the IPv4 address is bits 48–63 and 72–95 (bits 64–71 are the reserved "u" octet).
            uint high16 = (uint)(value >> 64) & 0xFFFF;
            uint low16 = (uint)(value >> 40) & 0xFFFF;
            return (high16 << 16) | low16;
        }

        if (InPrefix(value, Ip6("2002::"), 16))
        {
            return (uint)(value >> 80); // 6to4: bits 16–47
        }

        if (InPrefix(value, Ip6("2001::"), 32))
        {
            return ~low; // Teredo: the client's address, inverted, in the last 32 bits
        }

        return null;
    }

    private static string? V4Range(uint value)
    {
        foreach ((uint network, int bits, string name) in V4)
        {
            if (value >> (32 - bits) == network >> (32 - bits))
            {
                return name;
            }
        }

        return null;
    }

    private static string Describe(UInt128 value)
    {
        foreach ((UInt128 network, int bits, string name) in V6)
        {
            if (bits < 128 && InPrefix(value, network, bits))
            {
                return name;
            }
        }

        return InPrefix(value, Mapped, 96) ? "IPv4-mapped (::ffff:0:0/96)" : "NAT64 (64:ff9b::/96)";
    }

    private static bool InPrefix(UInt128 value, UInt128 network, int bits) => bits == 0 || value >> (128 - bits) == network >> (128 - bits);

    private static uint V4Value(IPAddress address) => BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes());

    private static uint Ip4(byte a, byte b, byte c, byte d) => ((uint)a << 24) | ((uint)b << 16) | ((uint)c << 8) | d;

    private static UInt128 Ip6(string text) => BinaryPrimitives.ReadUInt128BigEndian(IPAddress.Parse(text).GetAddressBytes());
}
