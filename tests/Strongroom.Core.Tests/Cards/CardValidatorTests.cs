using Strongroom.Core.Cards;

namespace Strongroom.Core.Tests.Cards;

public class CardValidatorTests
{
    private static readonly DateTimeOffset Now = new(2031, 3, 10, 9, 0, 0, TimeSpan.Zero);

    private static CardInput Input(
        string? pan = TestCards.Visa,
        int? month = 12,
        int? year = 2033,
        string? securityCode = null,
        string? name = null) =>
        new() { AccountNumber = pan, ExpiryMonth = month, ExpiryYear = year, SecurityCode = securityCode, CardholderName = name };

    [Fact]
    public void Validate_ValidCard_ReturnsCardAndNoErrors()
    {
        var errors = new List<CardFieldError>();

        ValidCard? card = CardValidator.Validate(Input(securityCode: "123", name: "  Ada Lovelace  "), Now, errors);

        Assert.Empty(errors);
        Assert.NotNull(card);
        Assert.Equal(CardScheme.Visa, card.Pan.Scheme);
        Assert.Equal(new Expiry(12, 2033), card.Expiry);
        Assert.Equal("Ada Lovelace", card.CardholderName);
        Assert.Equal("123", card.SecurityCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Validate_BlankCardholderName_BecomesNull(string? name)
    {
        var errors = new List<CardFieldError>();

        ValidCard? card = CardValidator.Validate(Input(name: name), Now, errors);

        Assert.Empty(errors);
        Assert.Null(card!.CardholderName);
    }

    [Fact]
    public void Validate_AllFieldsMissing_ReportsEachRequiredField()
    {
        var errors = new List<CardFieldError>();

        ValidCard? card = CardValidator.Validate(new CardInput(), Now, errors);

        Assert.Null(card);
        Assert.Equal(
            [CardField.AccountNumber, CardField.ExpiryMonth, CardField.ExpiryYear],
            errors.Select(e => e.Field).ToArray());
        Assert.Contains(errors, e => e.Message == "Expiry month is required.");
        Assert.Contains(errors, e => e.Message == "Expiry year is required.");
    }

    [Fact]
    public void Validate_InvalidPan_ReportsAccountNumberWithoutEchoingIt()
    {
        var errors = new List<CardFieldError>();

        ValidCard? card = CardValidator.Validate(Input(pan: "4111111111111112"), Now, errors);

        Assert.Null(card);
        CardFieldError error = Assert.Single(errors);
        Assert.Equal(CardField.AccountNumber, error.Field);
        Assert.DoesNotContain("4111111111111112", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ExpiredCard_ReportsExpiry()
    {
        var errors = new List<CardFieldError>();

        ValidCard? card = CardValidator.Validate(Input(month: 2, year: 2031), Now, errors);

        Assert.Null(card);
        CardFieldError error = Assert.Single(errors);
        Assert.Equal(new CardFieldError(CardField.ExpiryYear, "Card has expired."), error);
    }

    [Fact]
    public void Validate_CardExpiringThisMonth_IsAccepted()
    {
        var errors = new List<CardFieldError>();

        ValidCard? card = CardValidator.Validate(Input(month: 3, year: 2031), Now, errors);

        Assert.Empty(errors);
        Assert.NotNull(card);
    }

    [Fact]
    public void Validate_BadMonthAndYear_ReportsBothAndNoExpiredError()
    {
        var errors = new List<CardFieldError>();

        ValidCard? card = CardValidator.Validate(Input(month: 13, year: 1999), Now, errors);

        Assert.Null(card);
        Assert.Equal([CardField.ExpiryMonth, CardField.ExpiryYear], errors.Select(e => e.Field).ToArray());
        Assert.DoesNotContain(errors, e => e.Message == "Card has expired.");
    }

    [Fact]
    public void Validate_AmexWithThreeDigitCode_IsAccepted_AsGuardiansSchemaAllows()
    {
        var errors = new List<CardFieldError>();

        ValidCard? card = CardValidator.Validate(Input(pan: TestCards.Amex, securityCode: "123"), Now, errors);

        Assert.NotNull(card);
        Assert.Empty(errors);
    }

    [Fact]
    public void Validate_AmexWithTwoDigitCode_ReportsSecurityCode()
    {
        var errors = new List<CardFieldError>();

        ValidCard? card = CardValidator.Validate(Input(pan: TestCards.Amex, securityCode: "12"), Now, errors);

        Assert.Null(card);
        Assert.Equal(new CardFieldError(CardField.SecurityCode, "Security code must be 3 or 4 digits."), Assert.Single(errors));
    }

    [Fact]
    public void Validate_AmexWithFourDigitCode_IsAccepted()
    {
        var errors = new List<CardFieldError>();

        ValidCard? card = CardValidator.Validate(Input(pan: TestCards.Amex, securityCode: "8642"), Now, errors);

        Assert.Empty(errors);
        Assert.Equal("8642", card!.SecurityCode);
    }

    [Fact]
    public void Validate_InvalidPanAndBadCode_StillChecksCodeShape()
    {
        var errors = new List<CardFieldError>();

        CardValidator.Validate(Input(pan: "123", securityCode: "12"), Now, errors);

        Assert.Contains(errors, e => e.Field == CardField.SecurityCode && e.Message == "Security code must be 3 or 4 digits.");
    }

    [Fact]
    public void Validate_NameTooLong_ReportsCardholderName()
    {
        var errors = new List<CardFieldError>();

        ValidCard? card = CardValidator.Validate(Input(name: new string('a', CardValidator.MaxCardholderNameLength + 1)), Now, errors);

        Assert.Null(card);
        Assert.Equal(CardField.CardholderName, Assert.Single(errors).Field);
    }

    [Fact]
    public void Validate_NameAtMaximumLength_IsAccepted()
    {
        var errors = new List<CardFieldError>();

        ValidCard? card = CardValidator.Validate(Input(name: new string('a', CardValidator.MaxCardholderNameLength)), Now, errors);

        Assert.Empty(errors);
        Assert.Equal(CardValidator.MaxCardholderNameLength, card!.CardholderName!.Length);
    }

    [Theory]
    [InlineData("Ada\nLovelace")]
    [InlineData("Ada\u0000")]
    [InlineData("\u001bAda")]
    public void Validate_NameWithControlCharacters_ReportsCardholderName(string name)
    {
        var errors = new List<CardFieldError>();

        ValidCard? card = CardValidator.Validate(Input(name: name), Now, errors);

        Assert.Null(card);
        Assert.Equal(new CardFieldError(CardField.CardholderName, "Cardholder name must not contain control characters."), Assert.Single(errors));
    }

    [Fact]
    public void Validate_ErrorsAlreadyInList_AreKeptAndNotCountedAgainstTheCard()
    {
        var errors = new List<CardFieldError> { new(CardField.CardholderName, "from an earlier step") };

        ValidCard? card = CardValidator.Validate(Input(), Now, errors);

        Assert.NotNull(card);
        Assert.Single(errors);
    }

    [Fact]
    public void ToString_CardInputAndValidCard_NeverPrintTheNumber()
    {
        CardInput input = Input(securityCode: "123");
        ValidCard card = CardValidator.Validate(input, Now, [])!;

        Assert.DoesNotContain(TestCards.Visa, input.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(TestCards.Visa, card.ToString(), StringComparison.Ordinal);
        Assert.Equal("411111******1111", card.ToString());
    }
}
