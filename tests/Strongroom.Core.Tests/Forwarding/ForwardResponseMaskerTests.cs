using System.Text;
using Strongroom.Core.Forwarding;

namespace Strongroom.Core.Tests.Forwarding;

/// <summary>The forward response masker: the card number in every separator form, security codes only where they stand alone.</summary>
public sealed class ForwardResponseMaskerTests
{
    private const string Visa = "4111111111111111";
    private const string Amex = "378282246310005";

    private static readonly ForwardResponseMasker Masker = new([Visa, Amex], ["737"], [("c2VjcmV0+Y3J5cHRv", "[cryptogram]")]);

    [Theory]
    [InlineData("4111111111111111", "411111******1111")]
    [InlineData("4111 1111 1111 1111", "4111 11** **** 1111")]
    [InlineData("4111-1111-1111-1111", "4111-11**-****-1111")]
    [InlineData("4111.1111.1111.1111", "4111.11**.****.1111")]
    [InlineData("4111 - 1111 - 1111 - 1111", "4111 - 11** - **** - 1111")]
    [InlineData("4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", "4 1 1 1 1 1 * * * * * * 1 1 1 1")]
    [InlineData("[4,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]", "[4,1,1,1,1,1,*,*,*,*,*,*,1,1,1,1]")]
    [InlineData("4111\u00a01111\u00a01111\u00a01111", "4111\u00a011**\u00a0****\u00a01111")]
    [InlineData("x41111111111111119", "x411111******11119")]
    [InlineData("pan=4111%201111%201111%201111", "pan=4111%2011**%20****%201111")]
    [InlineData("pan=4111+1111+1111+1111", "pan=4111+11**+****+1111")]
    [InlineData("\"4111\\u00201111\\u00201111\\u00201111\"", "\"4111\\u002011**\\u0020****\\u00201111\"")]
    [InlineData("4111&nbsp;1111&#32;1111&#x20;1111", "4111&nbsp;11**&#32;****&#x20;1111")]
    [InlineData("4111\\u0020-\\u00201111-1111-1111", "4111\\u0020-\\u002011**-****-1111")]
    [InlineData("3782 822463 10005", "3782 82**** *0005")]
    [InlineData("card 4111111111111111 and 4111-1111-1111-1111", "card 411111******1111 and 4111-11**-****-1111")]
    public void MaskText_PanInAnySeparatorForm_IsMasked(string text, string expected) =>
        Assert.Equal(expected, Masker.MaskText(text));

    [Theory]
    [InlineData("4111 1111 1111 111")]          // a digit short
    [InlineData("4111a1111b1111c1111")]         // letters are not separators
    [InlineData("4111%2G1111%201111%201111")]   // not an escape
    public void MaskText_NotThePan_IsLeftAlone(string text) =>
        Assert.Equal(text, Masker.MaskText(text));

    [Fact]
    public void MaskText_PanBehindAGapLongerThanASeparator_IsStillCaughtByThePanDetector() =>
        Assert.Equal("[REDACTED PAN]", Masker.MaskText("4111                 1111 1111 1111"));

    [Fact]
    public void MaskBody_Utf16Text_IsMaskedToo()
    {
        byte[] body = Encoding.Unicode.GetBytes("card 4111 1111 1111 1111");

        string masked = Encoding.Unicode.GetString(Masker.MaskBody(body));

        Assert.Equal("card 4111 11** **** 1111", masked);
    }

    [Theory]
    [InlineData("""{"cvc":"737"}""", """{"cvc":"***"}""")]
    [InlineData("cvc 737.", "cvc ***.")]
    [InlineData("737", "***")]
    [InlineData("a737b", "a***b")]
    [InlineData("17370", "17370")]
    [InlineData("7370 0737", "7370 0737")]
    [InlineData("7 3 7", "7 3 7")]
    public void MaskText_SecurityCode_IsMaskedOnlyAsAWholeDigitRun(string text, string expected) =>
        Assert.Equal(expected, Masker.MaskText(text));

    [Fact]
    public void MaskText_LiteralSecret_IsReplaced()
    {
        Assert.Equal("x [cryptogram] y", Masker.MaskText("x c2VjcmV0+Y3J5cHRv y"));
    }

    [Fact]
    public void MaskBody_AnotherCardNumber_IsRedacted_AndTheInputIsNotChanged()
    {
        byte[] body = Encoding.UTF8.GetBytes("""{"funding":"5555555555554444"}""");

        byte[] masked = Masker.MaskBody(body);

        Assert.DoesNotContain("5555555555554444", Encoding.UTF8.GetString(masked), StringComparison.Ordinal);
        Assert.Equal("""{"funding":"5555555555554444"}""", Encoding.UTF8.GetString(body));
    }

    [Fact]
    public void MaskBody_BinaryBody_IsMaskedWithoutBeingDecoded()
    {
        byte[] body = [0xFF, 0xFE, 0x00, .. Encoding.ASCII.GetBytes("4111-1111-1111-1111"), 0xC3];

        byte[] masked = Masker.MaskBody(body);

        Assert.Equal([0xFF, 0xFE, 0x00, .. Encoding.ASCII.GetBytes("4111-11**-****-1111"), 0xC3], masked);
    }
}
