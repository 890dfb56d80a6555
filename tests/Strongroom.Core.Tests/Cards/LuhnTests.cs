using Strongroom.Core.Cards;

namespace Strongroom.Core.Tests.Cards;

public class LuhnTests
{
    [Theory]
    [InlineData("7992739871", '3')]
    [InlineData("411111111111111", '1')]
    [InlineData("555555555555444", '4')]
    [InlineData("37828224631000", '5')]
    [InlineData("0", '0')]
    [InlineData("", '0')]
    public void CheckDigit_KnownPayloads_ReturnsDigit(string payload, char expected)
    {
        Assert.Equal(expected, Luhn.CheckDigit(payload));
    }

    [Theory]
    [InlineData("79927398713")]
    [InlineData("4111111111111111")]
    [InlineData("0")]
    [InlineData("00")]
    public void IsValid_ValidNumbers_True(string digits)
    {
        Assert.True(Luhn.IsValid(digits));
    }

    [Theory]
    [InlineData("79927398710")]
    [InlineData("4111111111111112")]
    [InlineData("")]
    [InlineData("4111-1111")]
    [InlineData("41a1")]
    public void IsValid_InvalidOrNonDigit_False(string digits)
    {
        Assert.False(Luhn.IsValid(digits));
    }

    [Fact]
    public void CheckDigit_RandomPayloads_ProducesTheOnlyValidDigit()
    {
        var random = new Random(20310310);
        for (int n = 0; n < 500; n++)
        {
            int length = random.Next(1, 19);
            string payload = string.Concat(Enumerable.Range(0, length).Select(_ => (char)('0' + random.Next(10))));

            char check = Luhn.CheckDigit(payload);

            for (char candidate = '0'; candidate <= '9'; candidate++)
            {
                Assert.Equal(candidate == check, Luhn.IsValid(payload + candidate));
            }
        }
    }

    [Fact]
    public void IsValid_SingleDigitTypo_IsDetected()
    {
        const string valid = "5555555555554444";

        for (int i = 0; i < valid.Length; i++)
        {
            char[] typo = valid.ToCharArray();
            typo[i] = (char)('0' + ((typo[i] - '0' + 1) % 10));
            Assert.False(Luhn.IsValid(new string(typo)), $"typo at position {i} not detected");
        }
    }
}
