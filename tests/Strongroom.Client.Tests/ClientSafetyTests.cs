using System.Net;
using Strongroom.Client.Guardian;
using Strongroom.Client.Http;
using Strongroom.Client.Tap;
using Strongroom.Client.WhiteBit;

namespace Strongroom.Client.Tests;

/// <summary>The client's own rules, without a server: no card data or secret in text, cursor parsing.</summary>
public sealed class ClientSafetyTests
{
    [Theory]
    [InlineData("Card 4111111111111111 refused", "Card [card number removed] refused")]
    [InlineData("Card 4111 1111 1111 1111.", "Card [card number removed].")]
    [InlineData("5555-5555-5555-4444", "[card number removed]")]
    [InlineData("Order 12345 at 2026-12-06", "Order 12345 at 2026-12-06")]
    [InlineData("", "")]
    public void Scrubber_MasksCardNumbers_InAnySeparatorForm(string text, string expected) =>
        Assert.Equal(expected, CardNumberScrubber.Scrub(text));

    [Fact]
    public void Exceptions_NeverCarryACardNumber_FromAnyErrorBody()
    {
        var guardian = new GuardianApiException(HttpStatusCode.UnprocessableEntity, "VALIDATION_ERROR", "Bad 4111111111111111", [new("$.x", "was 5555555555554444")]);
        var tap = new TapApiException(HttpStatusCode.BadRequest, [new TapError("1108", "number 378282246310005")]);
        var whiteBit = new WhiteBitApiException(HttpStatusCode.UnprocessableEntity, 1, "x", new Dictionary<string, string[]> { ["cardNumber"] = ["6011111111111117"] });

        foreach (string text in new[] { guardian.ToString(), tap.ToString(), whiteBit.ToString() })
        {
            foreach (string pan in TestCards.All)
            {
                Assert.DoesNotContain(pan, text, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void ToString_HidesCardsSecretsAndTokens()
    {
        var card = new CardDetails { AccountNumber = TestCards.Visa, ExpiryMonth = 12, ExpiryYear = 2030, SecurityCode = "737" };
        var tapCard = new TapCardDetails { Number = TestCards.Amex, ExpMonth = 1, ExpYear = 30, Cvc = "1234" };
        var key = new WhiteBitApiKey("s", "k", "t", true, "public", "very-secret-value", 1, 0, false, []);
        var jwt = new GatewayJwt("eyJhbGciOi.secret.jwt", DateTimeOffset.UnixEpoch);
        var options = new GuardianClientOptions { BaseAddress = new Uri("http://vault/"), ApiKey = "sr_secret_key" };

        Assert.DoesNotContain(TestCards.Visa, card.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("737", card.ToString(), StringComparison.Ordinal);
        Assert.EndsWith("1111, ExpiryMonth = 12, ExpiryYear = 2030, SecurityCode = *** }", card.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(TestCards.Amex, tapCard.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("1234", tapCard.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("very-secret-value", key.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("secret.jwt", jwt.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("sr_secret_key", options.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/pci/tokens?after=0190a0b0-0000-7000-8000-000000000001&limit=20", "0190a0b0-0000-7000-8000-000000000001")]
    [InlineData("/api/pci/tokens?limit=20&after=0190a0b0-0000-7000-8000-000000000002", "0190a0b0-0000-7000-8000-000000000002")]
    [InlineData(null, null)]
    [InlineData("/api/pci/tokens?limit=20", null)]
    public void NextCursor_IsReadFromTheNextLink(string? next, string? expected) =>
        Assert.Equal(expected is null ? null : Guid.Parse(expected), PciTokensClient.NextCursor(next));
}
