using Strongroom.Client.Guardian;
using Strongroom.Client.Tap;

namespace Strongroom.Client.Tests.Support;

/// <summary>Test cards (public test numbers only) in the client's input types.</summary>
public static class Cards
{
    public static int Year => DateTime.UtcNow.Year + 3;

    public static CardDetails Guardian(string number = TestCards.Visa, string? securityCode = "123", string? name = "Jane Roe", int month = 12) =>
        new() { AccountNumber = number, ExpiryMonth = month, ExpiryYear = Year, SecurityCode = securityCode, CardholderName = name };

    public static TapCardDetails Tap(string number = TestCards.Visa, string? cvc = "123") =>
        new() { Number = number, ExpMonth = 12, ExpYear = Year % 100, Cvc = cvc, Name = "Jane Roe" };
}
