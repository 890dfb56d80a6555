using Strongroom.Core.Cards;

namespace Strongroom.Core.Tests.Cards;

public class SecurityCodeTests
{
    [Theory]
    [InlineData("123", CardScheme.Visa)]
    [InlineData("000", CardScheme.Mastercard)]
    [InlineData("999", CardScheme.Discover)]
    [InlineData("123", CardScheme.DinersClub)]
    [InlineData("123", CardScheme.Jcb)]
    [InlineData("123", CardScheme.UnionPay)]
    [InlineData("8642", CardScheme.AmericanExpress)]
    public void Validate_RightLengthForScheme_IsValid(string code, CardScheme scheme)
    {
        Assert.Null(SecurityCode.Validate(code, scheme));
    }

    [Theory]
    [InlineData("123")]
    [InlineData("1234")]
    public void Validate_UnknownScheme_AcceptsThreeOrFourDigits(string code)
    {
        Assert.Null(SecurityCode.Validate(code, null));
    }

    [Theory]
    [InlineData("123", CardScheme.AmericanExpress)]
    [InlineData("1234", CardScheme.Visa)]
    [InlineData("1234", CardScheme.Mastercard)]
    [InlineData("1234", CardScheme.UnionPay)]
    public void Validate_ByDefault_AcceptsThreeOrFourDigitsForEveryScheme_AsGuardiansSchemaDoes(string code, CardScheme scheme)
    {
        Assert.Null(SecurityCode.Validate(code, scheme));
    }

    [Fact]
    public void Validate_WithSchemeLengths_ThreeDigitsForAmex_Fails()
    {
        Assert.Equal("Security code must be 4 digits for American Express.", SecurityCode.Validate("123", CardScheme.AmericanExpress, schemeLengths: true));
    }

    [Theory]
    [InlineData(CardScheme.Visa)]
    [InlineData(CardScheme.Mastercard)]
    [InlineData(CardScheme.UnionPay)]
    public void Validate_WithSchemeLengths_FourDigitsForNonAmex_Fails(CardScheme scheme)
    {
        Assert.Equal("Security code must be 3 digits for this card scheme.", SecurityCode.Validate("1234", scheme, schemeLengths: true));
    }

    [Theory]
    [InlineData("123", CardScheme.Visa)]
    [InlineData("8642", CardScheme.AmericanExpress)]
    public void Validate_WithSchemeLengths_RightLengthForScheme_IsValid(string code, CardScheme scheme)
    {
        Assert.Null(SecurityCode.Validate(code, scheme, schemeLengths: true));
    }

    [Theory]
    [InlineData("")]
    [InlineData("12")]
    [InlineData("12345")]
    public void Validate_WrongLength_FailsWithoutEchoingInput(string code)
    {
        string? error = SecurityCode.Validate(code, CardScheme.Visa);

        Assert.Equal("Security code must be 3 or 4 digits.", error);
        Assert.True(code.Length == 0 || !error!.Contains(code, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("12a")]
    [InlineData("1 23")]
    [InlineData("-12")]
    [InlineData("\uFF11\uFF12\uFF13")]
    public void Validate_NonDigits_FailsWithoutEchoingInput(string code)
    {
        string? error = SecurityCode.Validate(code, null);

        Assert.Equal("Security code must contain digits only.", error);
        Assert.DoesNotContain(code, error, StringComparison.Ordinal);
    }
}
