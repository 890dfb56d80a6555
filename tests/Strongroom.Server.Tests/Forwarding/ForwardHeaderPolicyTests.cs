using Microsoft.AspNetCore.Http;
using Strongroom.Server.Forwarding;

namespace Strongroom.Server.Tests.Forwarding;

/// <summary>The forward header policy on its own: which names and values a caller may set, and what passes on.</summary>
public sealed class ForwardHeaderPolicyTests
{
    [Theory]
    [InlineData("x-api-key", true)]
    [InlineData("Authorization", true)]
    [InlineData("x_custom.v1~!#$%&'*+^`|", true)]
    [InlineData("", false)]
    [InlineData("x:y", false)]
    [InlineData("bad name", false)]
    [InlineData("x\r\ny", false)]
    [InlineData("(x)", false)]
    [InlineData("x/y", false)]
    [InlineData("x\u00e9", false)]
    public void IsToken_FollowsRfc9110(string name, bool expected) => Assert.Equal(expected, ForwardHeaderPolicy.IsToken(name));

    [Theory]
    [InlineData("Bearer abc.def", true)]
    [InlineData("a\tb", true)]
    [InlineData("", true)]
    [InlineData("a\r\nInjected: 1", false)]
    [InlineData("a\nb", false)]
    [InlineData("a\0b", false)]
    [InlineData("a\u007fb", false)]
    [InlineData("caf\u00e9", false)]
    public void IsValidValue_VisibleAsciiSpaceAndTabOnly(string value, bool expected) => Assert.Equal(expected, ForwardHeaderPolicy.IsValidValue(value));

    [Theory]
    [InlineData("Host")]
    [InlineData("CONTENT-LENGTH")]
    [InlineData("Transfer-Encoding")]
    [InlineData("Proxy-Connection")]
    [InlineData("X-Forwarded-Proto")]
    [InlineData("HTTP2-Settings")]
    [InlineData("x-destination-url")]
    public void IsForbidden_HostFramingHopByHopAndVaultControls(string name) => Assert.True(ForwardHeaderPolicy.IsForbidden(name));

    [Fact]
    public void Evaluate_OwnHeaderReplacesThePassedOnOne_AndVaultCredentialsStay()
    {
        var incoming = new HeaderDictionary
        {
            ["x-api-key"] = "the-vaults-key",
            ["Host"] = "vault.example",
            ["x-merchant"] = "m-1",
            ["x-own-header-name"] = "X-Merchant",
            ["x-own-header-value"] = "m-2",
        };

        ForwardHeaderRefusal? refusal = ForwardHeaderPolicy.Evaluate(incoming, authorizationIsTheVaults: false, out List<KeyValuePair<string, string>> headers);

        Assert.Null(refusal);
        Assert.Equal([new KeyValuePair<string, string>("X-Merchant", "m-2")], headers);
    }

    [Fact]
    public void Evaluate_DuplicateOwnHeaderNames_AreRefused()
    {
        var incoming = new HeaderDictionary
        {
            ["x-own-header-name"] = new Microsoft.Extensions.Primitives.StringValues(["x-a", "x-b"]),
            ["x-own-header-value"] = "v",
        };

        ForwardHeaderRefusal? refusal = ForwardHeaderPolicy.Evaluate(incoming, authorizationIsTheVaults: false, out _);

        Assert.Equal("$.headers['x-own-header-name']", refusal?.Path);
    }

    [Theory]
    [InlineData("ETag")]
    [InlineData("Content-Digest")]
    [InlineData("Content-Encoding")]
    [InlineData("Transfer-Encoding")]
    public void IsPassedBack_DigestsAndFramingAreWithheld(string name) => Assert.False(ForwardHeaderPolicy.IsPassedBack(name));
}
