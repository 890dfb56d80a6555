using Strongroom.Core.Cards;

namespace Strongroom.Core.Tests.Cards;

public class ExpiryTests
{
    private static readonly DateTimeOffset Now = new(2031, 3, 10, 9, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(1)]
    [InlineData(6)]
    [InlineData(12)]
    public void ValidateMonth_OneToTwelve_IsValid(int month)
    {
        Assert.Null(Expiry.ValidateMonth(month));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(13)]
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    public void ValidateMonth_OutOfRange_Fails(int month)
    {
        Assert.Equal("Expiry month must be between 1 and 12.", Expiry.ValidateMonth(month));
    }

    [Theory]
    [InlineData(1999)]
    [InlineData(31)]
    [InlineData(0)]
    public void ValidateYear_Before2000_Fails(int year)
    {
        Assert.Equal("Expiry year must be 2000 or later.", Expiry.ValidateYear(year, Now));
    }

    [Theory]
    [InlineData(2000)]
    [InlineData(2031)]
    [InlineData(2081)]
    public void ValidateYear_From2000ToFiftyYearsAhead_IsValid(int year)
    {
        Assert.Null(Expiry.ValidateYear(year, Now));
    }

    [Fact]
    public void ValidateYear_MoreThanFiftyYearsAhead_Fails()
    {
        Assert.Equal("Expiry year must be at most 50 years ahead.", Expiry.ValidateYear(2082, Now));
    }

    [Fact]
    public void IsExpiredAt_LastInstantOfExpiryMonth_NotExpired()
    {
        var expiry = new Expiry(3, 2031);

        Assert.False(expiry.IsExpiredAt(new DateTimeOffset(2031, 3, 31, 23, 59, 59, TimeSpan.Zero)));
    }

    [Fact]
    public void IsExpiredAt_FirstInstantOfNextMonth_Expired()
    {
        var expiry = new Expiry(3, 2031);

        Assert.True(expiry.IsExpiredAt(new DateTimeOffset(2031, 4, 1, 0, 0, 0, TimeSpan.Zero)));
    }

    [Theory]
    [InlineData(2, 2031, true)]
    [InlineData(12, 2030, true)]
    [InlineData(3, 2031, false)]
    [InlineData(1, 2032, false)]
    public void IsExpiredAt_ComparesMonthAndYearWithTheClock(int month, int year, bool expired)
    {
        Assert.Equal(expired, new Expiry(month, year).IsExpiredAt(Now));
    }

    [Fact]
    public void IsExpiredAt_LocalOffsetAlreadyInNextMonth_UsesUtc()
    {
        // 05:00 on 1 April at +10:00 is still 31 March in UTC, so a March card is still valid.
        var now = new DateTimeOffset(2031, 4, 1, 5, 0, 0, TimeSpan.FromHours(10));

        Assert.False(new Expiry(3, 2031).IsExpiredAt(now));
    }
}
