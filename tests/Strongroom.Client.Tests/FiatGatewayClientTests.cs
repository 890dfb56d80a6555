using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Strongroom.Client.Tests.Support;
using Strongroom.Client.WhiteBit;

namespace Strongroom.Client.Tests;

/// <summary>The fiat gateway flow against the live vault: a JWT from the signed <c>/api/v4/jwt</c>, then <c>/api/card-token</c>.</summary>
[Collection(LiveVaultCollection.Name)]
public sealed class FiatGatewayClientTests(LiveVault vault)
{
    [Fact]
    public async Task CardTokens_ReuseOneJwt()
    {
        (_, string apiKey, string apiSecret) = await vault.CreateSigningKeyAsync();
        var counter = new RequestCounts();
        using ServiceProvider services = Gateway(apiKey, apiSecret, counter);
        FiatGatewayClient gateway = services.GetRequiredService<FiatGatewayClient>();

        CardToken visa = await gateway.CreateCardTokenAsync(TestCards.Visa);
        CardToken mastercard = await services.GetRequiredService<FiatGatewayClient>().CreateCardTokenAsync(TestCards.Mastercard);

        Assert.Equal(("411111******1111", "visa"), (visa.MaskedCardNumber, visa.Scheme));
        Assert.Equal("mastercard", mastercard.Scheme);
        Assert.NotEqual(visa.Token, mastercard.Token);
        Assert.False(string.IsNullOrEmpty(visa.Fingerprint));
        Assert.Equal(1, counter.Count("/api/v4/jwt"));
    }

    [Fact]
    public async Task InvalidNumber_Is422Code1_WithTheField_AndNoCardNumberInTheMessage()
    {
        (_, string apiKey, string apiSecret) = await vault.CreateSigningKeyAsync();
        using ServiceProvider services = Gateway(apiKey, apiSecret);
        const string badLuhn = "4111111111111112";

        WhiteBitApiException refused = await Assert.ThrowsAsync<WhiteBitApiException>(() => services.GetRequiredService<FiatGatewayClient>().CreateCardTokenAsync(badLuhn));

        Assert.Equal((HttpStatusCode.UnprocessableEntity, 1), (refused.StatusCode!.Value, refused.Code));
        Assert.Equal(["The cardNumber field is invalid."], refused.Errors["cardNumber"]);
        Assert.DoesNotContain(badLuhn, refused.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DisabledKey_RefusesTheCachedJwt_AndANewOne()
    {
        (_, string accountKey, string accountSecret) = await vault.CreateSigningKeyAsync();
        using ServiceProvider account = Gateway(accountKey, accountSecret);
        WhiteBitClient admin = account.GetRequiredService<WhiteBitClient>();
        WhiteBitSubAccount sub = await admin.CreateSubAccountAsync("Kiosk");
        WhiteBitApiKey subKey = await admin.CreateApiKeyAsync(sub.Id, type: 1);
        var counter = new RequestCounts();
        using ServiceProvider kiosk = Gateway(subKey.ApiKey, subKey.ApiSecret, counter);
        await kiosk.GetRequiredService<FiatGatewayClient>().CreateCardTokenAsync(TestCards.Visa);

        await admin.EditApiKeyAsync(new WhiteBitApiKeyEdit(sub.Id, subKey.Id, IsEnabled: false));
        WhiteBitApiException refused = await Assert.ThrowsAsync<WhiteBitApiException>(() => kiosk.GetRequiredService<FiatGatewayClient>().CreateCardTokenAsync(TestCards.Visa));

        // The gateway refused the cached JWT; the client asked for a new one, and the disabled key was refused that.
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("This action is unauthorized. Enable your key in API settings", refused.ErrorMessage);
        Assert.Equal(2, counter.Count("/api/v4/jwt"));
        Assert.Equal(2, counter.Count("/api/card-token"));
    }

    private ServiceProvider Gateway(string apiKey, string apiSecret, RequestCounts? counter = null) =>
        vault.Clients((services, address) =>
        {
            services.AddStrongroomWhiteBitClient(o => (o.BaseAddress, o.ApiKey, o.ApiSecret) = (address, apiKey, apiSecret));
            if (counter is not null)
            {
                services.AddHttpClient<WhiteBitClient>().AddHttpMessageHandler(() => new CountingHandler(counter));
                services.AddHttpClient<FiatGatewayClient>().AddHttpMessageHandler(() => new CountingHandler(counter));
            }
        });
}
