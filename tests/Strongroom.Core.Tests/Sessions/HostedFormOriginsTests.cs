using Strongroom.Core.Sessions;

namespace Strongroom.Core.Tests.Sessions;

public sealed class HostedFormOriginsTests
{
    [Theory]
    [InlineData("https://shop.example.com", "https://shop.example.com")]
    [InlineData("https://Shop.Example.com/", "https://shop.example.com")]
    [InlineData("https://shop.example.com:8443", "https://shop.example.com:8443")]
    [InlineData("http://localhost:3000", "http://localhost:3000")]
    [InlineData("http://127.0.0.1:5173", "http://127.0.0.1:5173")]
    public void TryNormalize_Origins_Accepted(string input, string expected)
    {
        Assert.True(HostedFormOrigins.TryNormalize(input, out string origin, out string? error), error);
        Assert.Equal(expected, origin);
    }

    [Theory]
    [InlineData("")]
    [InlineData("shop.example.com")]
    [InlineData("http://shop.example.com")]          // plain http off loopback
    [InlineData("https://shop.example.com/checkout")]
    [InlineData("https://shop.example.com?x=1")]
    [InlineData("https://user:pw@shop.example.com")]
    [InlineData("https://*.example.com")]
    [InlineData("javascript:alert(1)")]
    [InlineData("https://shop.example.com; script-src *")]
    public void TryNormalize_NotAnOrigin_Rejected(string input)
    {
        Assert.False(HostedFormOrigins.TryNormalize(input, out _, out string? error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Theory]
    [InlineData("https://shop.example.com/thanks?order=1", "https://shop.example.com")]
    [InlineData("HTTPS://SHOP.example.com:8443/x", "https://shop.example.com:8443")]
    [InlineData("javascript:alert(1)", null)]
    [InlineData("/relative", null)]
    [InlineData("https://a@shop.example.com/", null)]
    public void OriginOf_ReturnUrl(string url, string? expected) => Assert.Equal(expected, HostedFormOrigins.OriginOf(url));
}
