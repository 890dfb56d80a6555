using Strongroom.Core.Cards;
using Strongroom.Core.Crypto;
using Strongroom.Core.NetworkTokens;

namespace Strongroom.Core.Tests.NetworkTokens;

public sealed class SimulatedTokenServiceProviderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private readonly SimulatedTokenServiceProvider _simulator = new();

    private static TenantKeySet Keys(Guid? tenantId = null)
    {
        var dek = new byte[32];
        var fingerprint = new byte[32];
        System.Security.Cryptography.RandomNumberGenerator.Fill(dek);
        System.Security.Cryptography.RandomNumberGenerator.Fill(fingerprint);
        return new TenantKeySet(tenantId ?? Guid.NewGuid(), new Dictionary<int, byte[]> { [1] = dek }, 1, fingerprint);
    }

    private async Task<ProvisionedToken> ProvisionAsync(TenantKeySet keys, string pan, Guid? id = null)
    {
        ValidCard card = TestCards.Valid(pan, Now);
        ProvisioningResult result = await _simulator.ProvisionAsync(keys, new ProvisioningRequest(keys.TenantId, id ?? Guid.NewGuid(), card, NetworkTokenNames.TypeFor(card.Pan.Scheme)), CancellationToken.None);
        Assert.Null(result.DeclineReason);
        return result.Token!;
    }

    [Theory]
    [InlineData(TestCards.Visa, "489537", 16, CardScheme.Visa)]
    [InlineData(TestCards.Mastercard, "520473", 16, CardScheme.Mastercard)]
    [InlineData(TestCards.Amex, "374245", 15, CardScheme.AmericanExpress)]
    [InlineData(TestCards.Discover, "601100", 16, CardScheme.Discover)]
    public async Task Provision_TokenPanFromTheSchemesTokenRange_LuhnValid_NotTheFundingPan(string funding, string bin, int length, CardScheme scheme)
    {
        TenantKeySet keys = Keys();
        ProvisionedToken token = await ProvisionAsync(keys, funding);

        string digits = token.TokenPan.Reveal();
        Assert.StartsWith(bin, digits, StringComparison.Ordinal);
        Assert.Equal(length, digits.Length);
        Assert.True(Luhn.IsValid(digits));
        Assert.Equal(scheme, token.TokenPan.Scheme);
        Assert.NotEqual(funding, digits);
        Assert.Equal(NetworkTokenStatus.Active, token.InitialStatus);
    }

    [Fact]
    public async Task Provision_SameTokenIdIsStable_OtherIdsDiffer()
    {
        TenantKeySet keys = Keys();
        Guid id = Guid.NewGuid();

        ProvisionedToken a = await ProvisionAsync(keys, TestCards.Visa, id);
        ProvisionedToken b = await ProvisionAsync(keys, TestCards.Visa, id);
        ProvisionedToken c = await ProvisionAsync(keys, TestCards.Visa);

        Assert.Equal(a.TokenPan, b.TokenPan);
        Assert.Equal(a.SchemeReference, b.SchemeReference);
        Assert.NotEqual(a.TokenPan, c.TokenPan);
    }

    [Fact]
    public async Task Provision_SchemeReferenceFormats()
    {
        TenantKeySet keys = Keys();

        Assert.Matches("^[0-9a-f]{32}$", (await ProvisionAsync(keys, TestCards.Visa)).SchemeReference);
        Assert.Matches("^DWSPMC[0-9A-F]{26}$", (await ProvisionAsync(keys, TestCards.Mastercard)).SchemeReference);
        Assert.Matches("^TMS[0-9a-f]{32}$", (await ProvisionAsync(keys, TestCards.Amex)).SchemeReference);
    }

    [Fact]
    public async Task Provision_DeterministicOutcomes()
    {
        TenantKeySet keys = Keys();
        ValidCard declined = TestCards.Valid("4000000000000051", Now);

        ProvisioningResult decline = await _simulator.ProvisionAsync(keys, new ProvisioningRequest(keys.TenantId, Guid.NewGuid(), declined, NetworkTokenType.Vts), CancellationToken.None);

        Assert.Null(decline.Token);
        Assert.Contains("not eligible", decline.DeclineReason, StringComparison.Ordinal);
        Assert.Equal(NetworkTokenStatus.Inactive, (await ProvisionAsync(keys, "4000000000000069")).InitialStatus);
        Assert.Equal(NetworkTokenStatus.Active, (await ProvisionAsync(keys, "4000000000000077")).InitialStatus);
    }

    private static NetworkTokenRecord Record(string lastFour = "1111", NetworkTokenType type = NetworkTokenType.Vts, long counter = 0) => new(
        Guid.NewGuid(), Guid.NewGuid(), CardScheme.Visa, "411111", lastFour, 16, 12, 2030, [1], [1], [1], 12, 2030, type, "ref",
        NetworkTokenStatus.Active, SuspensionParties.None, null, null, counter, Now, Now);

    [Fact]
    public async Task CheckBeforeCryptogram_IssuerSuspendsOnlyTheFirstTimeForOutcome0077()
    {
        Assert.Null(await _simulator.CheckBeforeCryptogramAsync(Record(), false, CancellationToken.None));
        TokenServiceNotice? notice = await _simulator.CheckBeforeCryptogramAsync(Record("0077"), false, CancellationToken.None);
        Assert.Equal(new TokenServiceNotice(NetworkTokenAction.Suspend, SuspensionParties.Issuer, notice!.Reason), notice);
        Assert.Null(await _simulator.CheckBeforeCryptogramAsync(Record("0077", counter: 1), false, CancellationToken.None));
        Assert.Null(await _simulator.CheckBeforeCryptogramAsync(Record("0077"), true, CancellationToken.None));
    }

    [Fact]
    public void Cryptogram_VerifiesForItsTokenAmountAndCurrencyOnly()
    {
        TenantKeySet keys = Keys();
        NetworkTokenRecord token = Record();
        CryptogramMaterial material = _simulator.ComputeCryptogram(keys, token, 7, 1999, "EUR");

        Assert.Equal(28, material.Cryptogram.Length);
        Assert.Equal(("TAVV", "05"), (material.Type, material.Eci));
        Assert.Matches("^[0-9]{3}$", material.DynamicCvv);
        Assert.Equal(CryptogramVerdict.Valid, _simulator.VerifyCryptogram(keys, token, material.Cryptogram, 1999, "EUR", out long counter));
        Assert.Equal(7, counter);
        Assert.Equal(CryptogramVerdict.Invalid, _simulator.VerifyCryptogram(keys, token, material.Cryptogram, 2000, "EUR", out _));
        Assert.Equal(CryptogramVerdict.Invalid, _simulator.VerifyCryptogram(keys, token, material.Cryptogram, 1999, "USD", out _));
        Assert.Equal(CryptogramVerdict.Invalid, _simulator.VerifyCryptogram(keys, Record(), material.Cryptogram, 1999, "EUR", out _));
        Assert.Equal(CryptogramVerdict.Invalid, _simulator.VerifyCryptogram(Keys(token.TenantId), token, material.Cryptogram, 1999, "EUR", out _));
        Assert.Equal(CryptogramVerdict.Invalid, _simulator.VerifyCryptogram(keys, token, "not base64!", 1999, "EUR", out _));

        char[] forged = material.Cryptogram.ToCharArray();
        forged[10] = forged[10] == 'A' ? 'B' : 'A';
        Assert.Equal(CryptogramVerdict.Invalid, _simulator.VerifyCryptogram(keys, token, new string(forged), 1999, "EUR", out _));
    }

    [Fact]
    public void Cryptogram_MastercardIsUcafWithEci02_CountersGiveDifferentCryptograms()
    {
        TenantKeySet keys = Keys();
        NetworkTokenRecord token = Record(type: NetworkTokenType.Mdes);

        CryptogramMaterial first = _simulator.ComputeCryptogram(keys, token, 1, null, null);
        CryptogramMaterial second = _simulator.ComputeCryptogram(keys, token, 2, null, null);

        Assert.Equal(("UCAF", "02"), (first.Type, first.Eci));
        Assert.NotEqual(first.Cryptogram, second.Cryptogram);
    }
}
