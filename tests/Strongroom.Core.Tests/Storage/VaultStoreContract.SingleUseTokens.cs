using System.Globalization;
using System.Security.Cryptography;
using Strongroom.Core.Bins;
using Strongroom.Core.Cards;
using Strongroom.Core.Tenancy;
using Strongroom.Core.Tokens;

namespace Strongroom.Core.Tests.Storage;

public abstract partial class VaultStoreContract
{
    // ---- single-use tokens and the BIN table -------------------------------------------------------------

    private static SingleUseTokenRecord NewSingleUse(Guid tenantId, DateTimeOffset? expiresAt = null) => new(
        Guid.CreateVersion7(), "tok_" + Guid.NewGuid().ToString("N")[..24], "card_" + Guid.NewGuid().ToString("N")[..24], tenantId, CardScheme.Visa,
        "450875", "1019", 16, 1, 2039, RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(48), RandomNumberGenerator.GetBytes(40),
        CardFunding.Debit, "THE CO-OPERATIVE BANK PLC", "GB", "bnk_x", "192.168.1.20", T0, expiresAt ?? T0.AddMinutes(5));

    [SkippableFact]
    public async Task SingleUseToken_InsertGet_RoundTrips_ScopedToTenant()
    {
        Tenant tenant = await NewTenantAsync();
        SingleUseTokenRecord token = NewSingleUse(tenant.Id);

        await Store.InsertSingleUseTokenAsync(token, None);

        SingleUseTokenRecord? read = await Store.GetSingleUseTokenAsync(tenant.Id, token.PublicId, None);
        Assert.NotNull(read);
        Assert.Equal(token with { Fingerprint = read.Fingerprint, Ciphertext = read.Ciphertext, AddressCiphertext = read.AddressCiphertext }, read);
        Assert.Equal(token.Ciphertext, read.Ciphertext);
        Assert.Equal(token.AddressCiphertext, read.AddressCiphertext);
        Assert.Null(await Store.GetSingleUseTokenAsync((await NewTenantAsync()).Id, token.PublicId, None));
    }

    [SkippableFact]
    public async Task SingleUseToken_UseOnce_ErasesCardData_AndWritesThePciTokenInTheSameTransaction()
    {
        Tenant tenant = await NewTenantAsync();
        SingleUseTokenRecord token = NewSingleUse(tenant.Id);
        await Store.InsertSingleUseTokenAsync(token, None);
        PciTokenRecord first = NewToken(tenant.Id);
        PciTokenRecord second = NewToken(tenant.Id);

        Assert.True(await Store.TryUseSingleUseTokenAsync(tenant.Id, token.PublicId, T0.AddMinutes(1), first, [], null, None));
        Assert.False(await Store.TryUseSingleUseTokenAsync(tenant.Id, token.PublicId, T0.AddMinutes(1), second, [], null, None));

        SingleUseTokenRecord used = (await Store.GetSingleUseTokenAsync(tenant.Id, token.PublicId, None))!;
        Assert.Equal(T0.AddMinutes(1), used.UsedAt);
        Assert.Empty(used.Ciphertext);
        Assert.Null(used.AddressCiphertext);
        Assert.NotNull(await Store.GetPciTokenAsync(tenant.Id, first.Id, T0, None));
        Assert.Null(await Store.GetPciTokenAsync(tenant.Id, second.Id, T0, None));
    }

    [SkippableFact]
    public async Task SingleUseToken_ExpiredOrOtherTenant_CannotBeUsed_PurgeErasesExpired()
    {
        Tenant tenant = await NewTenantAsync();
        SingleUseTokenRecord token = NewSingleUse(tenant.Id, T0.AddMinutes(5));
        SingleUseTokenRecord live = NewSingleUse(tenant.Id, T0.AddMinutes(50));
        await Store.InsertSingleUseTokenAsync(token, None);
        await Store.InsertSingleUseTokenAsync(live, None);

        Assert.False(await Store.TryUseSingleUseTokenAsync((await NewTenantAsync()).Id, token.PublicId, T0, null, [], null, None));
        Assert.False(await Store.TryUseSingleUseTokenAsync(tenant.Id, token.PublicId, T0.AddMinutes(5), null, [], null, None));

        IReadOnlyList<(Guid TenantId, Guid Id)> purged = await Store.PurgeExpiredSingleUseTokensAsync(T0.AddMinutes(5), 100, None);
        Assert.Contains((tenant.Id, token.Id), purged);
        Assert.DoesNotContain((tenant.Id, live.Id), purged);
        Assert.Null(await Store.GetSingleUseTokenAsync(tenant.Id, token.PublicId, None));
        Assert.NotNull(await Store.GetSingleUseTokenAsync(tenant.Id, live.PublicId, None));
    }

    [SkippableFact]
    public async Task BinRanges_ReplaceIsWholesale_LargeBatchesRoundTrip()
    {
        // The one test of this class touching the instance-wide BIN table.
        List<BinRecord> first = Enumerable.Range(0, 1203)
            .Select(i => new BinRecord((40000000 + i).ToString(CultureInfo.InvariantCulture), CardScheme.Visa, CardFunding.Credit, "BANK, N.A. " + i, "US", "bnk_" + i))
            .ToList();
        var second = new List<BinRecord> { new("555555", CardScheme.Mastercard, CardFunding.Prepaid, "ONLY", "DE", "bnk_only") };

        await Store.ReplaceBinRangesAsync(first, None);
        IReadOnlyList<BinRecord> afterFirst = await Store.ListBinRangesAsync(None);
        await Store.ReplaceBinRangesAsync(second, None);
        IReadOnlyList<BinRecord> afterSecond = await Store.ListBinRangesAsync(None);
        await Store.ReplaceBinRangesAsync([], None);

        Assert.Equal(first.OrderBy(r => r.Prefix, StringComparer.Ordinal), afterFirst.OrderBy(r => r.Prefix, StringComparer.Ordinal));
        Assert.Equal(second, afterSecond);
        Assert.Empty(await Store.ListBinRangesAsync(None));
    }
}
