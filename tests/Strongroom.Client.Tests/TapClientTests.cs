using System.Net;
using Strongroom.Client.Guardian;
using Strongroom.Client.Tap;
using Strongroom.Client.Tests.Support;

namespace Strongroom.Client.Tests;

/// <summary>The Tap client's single-use tokens against the live vault, and their use by a Guardian PCI token.</summary>
[Collection(LiveVaultCollection.Name)]
public sealed class TapClientTests(LiveVault vault)
{
    [Fact]
    public async Task CreateGet_ThenUsedUpByAPciToken()
    {
        string key = (await vault.CreateTenantAsync()).ApiKey;
        TapClient tap = vault.Tap(key);
        GuardianClient guardian = vault.Guardian(key);

        TapToken token = await tap.CreateTokenAsync(Cards.Tap(), clientIp: "203.0.113.7");
        TapToken read = await tap.GetTokenAsync(token.Id);
        PciToken pci = await guardian.PciTokens.CreateFromSingleUseTokenAsync(token.Id);
        TapToken used = await tap.GetTokenAsync(token.Id);
        GuardianApiException twice = await Assert.ThrowsAsync<GuardianApiException>(() => guardian.PciTokens.CreateFromSingleUseTokenAsync(token.Id));

        Assert.StartsWith("tok_", token.Id, StringComparison.Ordinal);
        Assert.Equal(("token", "CARD", "VISA"), (token.ObjectType, token.Type, token.Card.Brand));
        Assert.Equal(("411111", "1111", Cards.Year % 100), (read.Card.FirstSix, read.Card.LastFour, read.Card.ExpYear));
        Assert.False(read.Used);
        Assert.InRange(token.CreatedAt, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal("411111******1111", pci.Card.MaskedAccountNumber);
        Assert.True(used.Used);
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
    }

    [Fact]
    public async Task InvalidCard_IsATapError_WithTheFieldCodes_AndNoCardNumber()
    {
        TapClient tap = vault.Tap((await vault.CreateTenantAsync()).ApiKey);
        const string badLuhn = "4111111111111112";

        TapApiException refused = await Assert.ThrowsAsync<TapApiException>(() => tap.CreateTokenAsync(new TapCardDetails { Number = badLuhn, ExpMonth = 14, ExpYear = Cards.Year }));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.True(refused.HasCode("1108"), refused.Message);
        Assert.True(refused.HasCode("1109"), refused.Message);
        Assert.DoesNotContain(badLuhn, refused.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(badLuhn, Cards.Tap(badLuhn).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongKey_Is2107_AndUnknownToken_Is1143()
    {
        TapClient stranger = vault.Tap("sr_wrong");
        TapClient tap = vault.Tap((await vault.CreateTenantAsync()).ApiKey);

        TapApiException unauthorized = await Assert.ThrowsAsync<TapApiException>(() => stranger.CreateTokenAsync(Cards.Tap()));
        TapApiException missing = await Assert.ThrowsAsync<TapApiException>(() => tap.GetTokenAsync("tok_doesnotexist"));

        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        Assert.Equal("2107", Assert.Single(unauthorized.Errors).Code);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("1143", Assert.Single(missing.Errors).Code);
    }
}
