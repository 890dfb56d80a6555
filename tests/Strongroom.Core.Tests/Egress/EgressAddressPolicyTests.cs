using System.Net;
using Strongroom.Core.Egress;

namespace Strongroom.Core.Tests.Egress;

/// <summary>The egress address policy against the IANA special-purpose registries and every IPv6 form that carries an IPv4 address.</summary>
public sealed class EgressAddressPolicyTests
{
    [Theory]
    // IPv4 special-purpose registry, first and last address of each block where it matters
    [InlineData("0.0.0.0")]
    [InlineData("0.255.255.255")]
    [InlineData("10.0.0.1")]
    [InlineData("10.255.255.255")]
    [InlineData("100.64.0.1")]
    [InlineData("100.127.255.255")]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.255.254")]
    [InlineData("169.254.169.254")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.0.0.8")]
    [InlineData("192.0.0.170")]
    [InlineData("192.0.2.10")]
    [InlineData("192.31.196.1")]
    [InlineData("192.52.193.1")]
    [InlineData("192.88.99.1")]
    [InlineData("192.168.1.1")]
    [InlineData("192.175.48.1")]
    [InlineData("198.18.0.1")]
    [InlineData("198.19.255.255")]
    [InlineData("198.51.100.7")]
    [InlineData("203.0.113.9")]
    [InlineData("224.0.0.1")]
    [InlineData("239.255.255.250")]
    [InlineData("240.0.0.1")]
    [InlineData("255.255.255.255")]
    // IPv6 special-purpose registry
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("100::1")]
    [InlineData("100:0:0:1::1")]
    [InlineData("2001::1")]
    [InlineData("2001:1::1")]
    [InlineData("2001:2::1")]
    [InlineData("2001:3::1")]
    [InlineData("2001:4:112::1")]
    [InlineData("2001:10::1")]
    [InlineData("2001:20::1")]
    [InlineData("2001:1ff:ffff::1")]
    [InlineData("2001:db8::1")]
    [InlineData("2002::1")]
    [InlineData("2620:4f:8000::1")]
    [InlineData("3fff::1")]
    [InlineData("3fff:fff::1")]
    [InlineData("5f00::1")]
    [InlineData("fc00::1")]
    [InlineData("fd12:3456::1")]
    [InlineData("fe80::1")]
    [InlineData("febf::1")]
    [InlineData("fec0::1")]
    [InlineData("ff02::1")]
    [InlineData("4000::1")]
    // IPv6 forms carrying a forbidden IPv4 address
    [InlineData("::127.0.0.1")]
    [InlineData("::10.0.0.1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("::ffff:10.1.2.3")]
    [InlineData("64:ff9b::7f00:1")]
    [InlineData("64:ff9b::a9fe:a9fe")]
    [InlineData("64:ff9b::192.168.0.1")]
    [InlineData("64:ff9b:1:7f00:0:100::")]
    [InlineData("2002:7f00:1::1")]
    [InlineData("2002:a9fe:a9fe::")]
    [InlineData("2001:0:4136:e378:8000:63bf:80ff:fffe")] // Teredo, client 127.0.0.1 (inverted)
    // IPv4-compatible, 6to4 and Teredo are refused even with a public address inside (deprecated or tunnelled)
    [InlineData("::8.8.8.8")]
    [InlineData("2002:808:808::1")]
    [InlineData("2001:0:4136:e378:8000:63bf:f7f7:f7f7")]
    public void IsForbidden_SpecialPurposeOrEmbeddedPrivate_IsTrue(string address)
    {
        Assert.True(EgressAddressPolicy.IsForbidden(IPAddress.Parse(address)), address);
        Assert.NotNull(EgressAddressPolicy.ForbiddenRange(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("9.255.255.255")]
    [InlineData("11.0.0.0")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.0")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.0")]
    [InlineData("192.0.1.1")]
    [InlineData("192.169.0.1")]
    [InlineData("198.17.255.255")]
    [InlineData("198.20.0.0")]
    [InlineData("223.255.255.255")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("2a00:1450:4001:80b::200e")]
    [InlineData("2001:200::1")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::808:808")]
    public void IsForbidden_PublicAddress_IsFalse(string address) =>
        Assert.Null(EgressAddressPolicy.ForbiddenRange(IPAddress.Parse(address)));

    [Theory]
    [InlineData("::127.0.0.1", "127.0.0.1")]
    [InlineData("::ffff:10.0.0.1", "10.0.0.1")]
    [InlineData("64:ff9b::7f00:1", "127.0.0.1")]
    [InlineData("64:ff9b:1:c0a8:1:200::", "192.168.1.2")]
    [InlineData("2002:c0a8:101::1", "192.168.1.1")]
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2", "192.0.2.45")]
    public void EmbeddedIPv4_UnwrapsEveryForm(string address, string embedded) =>
        Assert.Equal(IPAddress.Parse(embedded), EgressAddressPolicy.EmbeddedIPv4(IPAddress.Parse(address)));

    [Fact]
    public void ForbiddenRange_NamesTheEmbeddedAddressesRange()
    {
        string range = EgressAddressPolicy.ForbiddenRange(IPAddress.Parse("64:ff9b::7f00:1"))!;

        Assert.Contains("NAT64", range, StringComparison.Ordinal);
        Assert.Contains("loopback", range, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://127.1/")]
    [InlineData("https://0x7f000001/")]
    [InlineData("https://2130706433/")]
    [InlineData("https://[::127.0.0.1]/")]
    [InlineData("https://[64:ff9b::7f00:1]:8443/")]
    [InlineData("https://[::ffff:169.254.169.254]/latest")]
    [InlineData("https://[fe80::1%25eth0]/")]
    public void ForbiddenLiteral_EveryLiteralSpelling_IsFound(string url) =>
        Assert.NotNull(EgressAddressPolicy.ForbiddenLiteral(new Uri(url)));

    [Theory]
    [InlineData("https://processor.example/")]
    [InlineData("https://8.8.8.8/")]
    [InlineData("https://[2606:4700:4700::1111]/")]
    public void ForbiddenLiteral_HostNameOrPublicAddress_IsNull(string url) =>
        Assert.Null(EgressAddressPolicy.ForbiddenLiteral(new Uri(url)));
}
