using System.Data.Common;
using Strongroom.Core.Cards;
using Strongroom.Core.Events;
using Strongroom.Core.Tenancy;
using Strongroom.Core.Tokens;

namespace Strongroom.Core.Tests.Storage;

public abstract partial class VaultStoreContract
{
    // ---- PCI tokens ----------------------------------------------------------------------------------

    [SkippableFact]
    public async Task InsertPciToken_Get_RoundTripsEveryColumn()
    {
        Tenant tenant = await NewTenantAsync();
        PciTokenRecord withExpiry = NewToken(tenant.Id, expiresAt: T0.AddDays(30), metadataJson: """{"order":"A-1001"}""") with
        {
            Scheme = CardScheme.AmericanExpress,
            First6 = "378282",
            LastFour = "0005",
            PanLength = 15,
            ExpiryMonth = 1,
            ExpiryYear = 2040,
            CreatedAt = T0.AddMilliseconds(7),
        };
        PciTokenRecord withoutExpiry = NewToken(tenant.Id);

        await Store.InsertPciTokenAsync(withExpiry, VaultEvents.PciTokenCreated(withExpiry), null, None);
        await Store.InsertPciTokenAsync(withoutExpiry, VaultEvents.PciTokenCreated(withoutExpiry), null, None);

        AssertSameToken(withExpiry, await Store.GetPciTokenAsync(tenant.Id, withExpiry.Id, T0, None));
        AssertSameToken(withoutExpiry, await Store.GetPciTokenAsync(tenant.Id, withoutExpiry.Id, T0.AddYears(50), None));
    }

    [SkippableFact]
    public async Task InsertPciToken_DuplicateId_Throws()
    {
        Tenant tenant = await NewTenantAsync();
        PciTokenRecord token = await InsertTokenAsync(tenant.Id);

        await Assert.ThrowsAnyAsync<DbException>(() => Store.InsertPciTokenAsync(NewToken(tenant.Id, token.Id), VaultEvents.PciTokenCreated(NewToken(tenant.Id, token.Id)), null, None));

        AssertSameToken(token, await Store.GetPciTokenAsync(tenant.Id, token.Id, T0, None));
    }

    [SkippableFact]
    public async Task InsertPciToken_UnknownTenant_Refused()
    {
        PciTokenRecord token = NewToken(Guid.NewGuid());

        await Assert.ThrowsAnyAsync<DbException>(() => Store.InsertPciTokenAsync(token, VaultEvents.PciTokenCreated(token), null, None));
    }

    [SkippableFact]
    public async Task GetPciToken_OtherTenant_ReturnsNull()
    {
        Tenant owner = await NewTenantAsync();
        Tenant other = await NewTenantAsync();
        PciTokenRecord token = await InsertTokenAsync(owner.Id);

        Assert.Null(await Store.GetPciTokenAsync(other.Id, token.Id, T0, None));
        Assert.NotNull(await Store.GetPciTokenAsync(owner.Id, token.Id, T0, None));
    }

    [SkippableFact]
    public async Task GetPciToken_AtOrAfterExpiry_Hidden()
    {
        Tenant tenant = await NewTenantAsync();
        PciTokenRecord token = await InsertTokenAsync(tenant.Id, expiresAt: T0.AddMinutes(5));

        Assert.NotNull(await Store.GetPciTokenAsync(tenant.Id, token.Id, T0.AddMinutes(5).AddMilliseconds(-1), None));
        Assert.Null(await Store.GetPciTokenAsync(tenant.Id, token.Id, T0.AddMinutes(5), None));
        Assert.Null(await Store.GetPciTokenAsync(tenant.Id, token.Id, T0.AddDays(1), None));
    }

    [SkippableFact]
    public async Task GetPciToken_Unknown_ReturnsNull()
    {
        Tenant tenant = await NewTenantAsync();

        Assert.Null(await Store.GetPciTokenAsync(tenant.Id, Guid.NewGuid(), T0, None));
    }

    [SkippableFact]
    public async Task ListPciTokens_PagesInIdOrderWithAfterCursor()
    {
        Tenant tenant = await NewTenantAsync();
        Tenant other = await NewTenantAsync();
        var ids = new List<Guid>();
        for (int i = 0; i < 7; i++)
        {
            // Random (v4) ids, inserted in random order, so insertion order is not id order.
            ids.Add((await InsertTokenAsync(tenant.Id)).Id);
            await InsertTokenAsync(other.Id);
        }

        List<Guid> expected = [.. ids.OrderBy(Ordered, StringComparer.Ordinal)];

        IReadOnlyList<PciTokenRecord> page1 = await Store.ListPciTokensAsync(tenant.Id, null, 3, T0, None);
        IReadOnlyList<PciTokenRecord> page2 = await Store.ListPciTokensAsync(tenant.Id, page1[^1].Id, 3, T0, None);
        IReadOnlyList<PciTokenRecord> page3 = await Store.ListPciTokensAsync(tenant.Id, page2[^1].Id, 3, T0, None);
        IReadOnlyList<PciTokenRecord> page4 = await Store.ListPciTokensAsync(tenant.Id, page3[^1].Id, 3, T0, None);

        Assert.Equal(expected[0..3], page1.Select(t => t.Id));
        Assert.Equal(expected[3..6], page2.Select(t => t.Id));
        Assert.Equal(expected[6..7], page3.Select(t => t.Id));
        Assert.Empty(page4);
        Assert.All(page1.Concat(page2).Concat(page3), t => Assert.Equal(tenant.Id, t.TenantId));
    }

    [SkippableFact]
    public async Task ListPciTokens_LimitLargerThanCount_ReturnsAllInIdOrder()
    {
        Tenant tenant = await NewTenantAsync();
        Guid[] ids = [(await InsertTokenAsync(tenant.Id)).Id, (await InsertTokenAsync(tenant.Id)).Id, (await InsertTokenAsync(tenant.Id)).Id];

        IReadOnlyList<PciTokenRecord> all = await Store.ListPciTokensAsync(tenant.Id, null, 100, T0, None);

        Assert.Equal(ids.OrderBy(Ordered, StringComparer.Ordinal), all.Select(t => t.Id));
    }

    [SkippableFact]
    public async Task ListPciTokens_AfterIsABoundNotAnExistingId()
    {
        Tenant tenant = await NewTenantAsync();
        PciTokenRecord low = await InsertTokenAsync(tenant.Id, Guid.Parse("10000000-0000-4000-8000-000000000000"));
        PciTokenRecord high = await InsertTokenAsync(tenant.Id, Guid.Parse("f0000000-0000-4000-8000-000000000000"));

        IReadOnlyList<PciTokenRecord> afterMiddle = await Store.ListPciTokensAsync(tenant.Id, Guid.Parse("80000000-0000-4000-8000-000000000000"), 10, T0, None);
        IReadOnlyList<PciTokenRecord> afterLow = await Store.ListPciTokensAsync(tenant.Id, low.Id, 10, T0, None);

        Assert.Equal([high.Id], afterMiddle.Select(t => t.Id));
        Assert.Equal([high.Id], afterLow.Select(t => t.Id));
    }

    [SkippableFact]
    public async Task ListPciTokens_OrdersUuidsByTheirBytesNotDotNetGuidOrder()
    {
        Tenant tenant = await NewTenantAsync();

        // System.Guid compares its first field as a little-endian int; both engines must order by the canonical text/bytes.
        Guid a = Guid.Parse("00000001-ffff-4000-8000-000000000000");
        Guid b = Guid.Parse("00000100-0000-4000-8000-000000000000");
        Guid c = Guid.Parse("01000000-0000-4000-8000-000000000000");
        await InsertTokenAsync(tenant.Id, c);
        await InsertTokenAsync(tenant.Id, a);
        await InsertTokenAsync(tenant.Id, b);

        IReadOnlyList<PciTokenRecord> all = await Store.ListPciTokensAsync(tenant.Id, null, 10, T0, None);

        Assert.Equal([a, b, c], all.Select(t => t.Id));
    }

    [SkippableFact]
    public async Task ListPciTokens_HidesExpiredTokens()
    {
        Tenant tenant = await NewTenantAsync();
        PciTokenRecord expired = await InsertTokenAsync(tenant.Id, expiresAt: T0.AddMinutes(-1));
        PciTokenRecord expiringNow = await InsertTokenAsync(tenant.Id, expiresAt: T0);
        PciTokenRecord live = await InsertTokenAsync(tenant.Id, expiresAt: T0.AddMinutes(1));
        PciTokenRecord forever = await InsertTokenAsync(tenant.Id);

        IReadOnlyList<PciTokenRecord> listed = await Store.ListPciTokensAsync(tenant.Id, null, 10, T0, None);

        Assert.Equal(new[] { live.Id, forever.Id }.OrderBy(Ordered, StringComparer.Ordinal), listed.Select(t => t.Id));
        Assert.DoesNotContain(listed, t => t.Id == expired.Id || t.Id == expiringNow.Id);
    }

    [SkippableFact]
    public async Task ListPciTokens_ExpiredTokensDoNotShortenThePage()
    {
        Tenant tenant = await NewTenantAsync();
        for (int i = 0; i < 5; i++)
        {
            await InsertTokenAsync(tenant.Id, expiresAt: T0.AddSeconds(-1));
        }

        Guid[] live = [(await InsertTokenAsync(tenant.Id)).Id, (await InsertTokenAsync(tenant.Id)).Id];

        IReadOnlyList<PciTokenRecord> page = await Store.ListPciTokensAsync(tenant.Id, null, 2, T0, None);

        Assert.Equal(live.OrderBy(Ordered, StringComparer.Ordinal), page.Select(t => t.Id));
    }

    [SkippableFact]
    public async Task DeletePciToken_OtherTenant_FalseAndTokenSurvives()
    {
        Tenant owner = await NewTenantAsync();
        Tenant attacker = await NewTenantAsync();
        PciTokenRecord token = await InsertTokenAsync(owner.Id);

        bool deleted = await Store.DeletePciTokenAsync(attacker.Id, token.Id, VaultEvents.PciTokenDeleted(attacker.Id, token.Id, T0), None);

        Assert.False(deleted);
        AssertSameToken(token, await Store.GetPciTokenAsync(owner.Id, token.Id, T0, None));
    }

    [SkippableFact]
    public async Task DeletePciToken_Owner_TrueOnceThenGone()
    {
        Tenant owner = await NewTenantAsync();
        PciTokenRecord token = await InsertTokenAsync(owner.Id);
        PciTokenRecord neighbour = await InsertTokenAsync(owner.Id);

        bool first = await Store.DeletePciTokenAsync(owner.Id, token.Id, VaultEvents.PciTokenDeleted(owner.Id, token.Id, T0), None);
        bool second = await Store.DeletePciTokenAsync(owner.Id, token.Id, VaultEvents.PciTokenDeleted(owner.Id, token.Id, T0), None);

        Assert.True(first);
        Assert.False(second);
        Assert.Null(await Store.GetPciTokenAsync(owner.Id, token.Id, T0, None));
        Assert.Equal([neighbour.Id], (await Store.ListPciTokensAsync(owner.Id, null, 10, T0, None)).Select(t => t.Id));
    }

    [SkippableFact]
    public async Task DeletePciToken_Unknown_False()
    {
        Tenant owner = await NewTenantAsync();

        Assert.False(await Store.DeletePciTokenAsync(owner.Id, Guid.NewGuid(), VaultEvents.PciTokenDeleted(owner.Id, Guid.NewGuid(), T0), None));
    }

    [SkippableFact]
    public async Task PurgeExpiredPciTokens_ReturnsExpiredIdsInBatchesAndKeepsLiveTokens()
    {
        Tenant tenant = await NewTenantAsync();
        DateTimeOffset now = T0.AddDays(1);
        PciTokenRecord[] expired =
        [
            await InsertTokenAsync(tenant.Id, expiresAt: now.AddHours(-2)),
            await InsertTokenAsync(tenant.Id, expiresAt: now.AddMinutes(-1)),
            await InsertTokenAsync(tenant.Id, expiresAt: now),
        ];
        PciTokenRecord live = await InsertTokenAsync(tenant.Id, expiresAt: now.AddMilliseconds(1));
        PciTokenRecord forever = await InsertTokenAsync(tenant.Id);

        var purged = new List<(Guid TenantId, Guid TokenId)>();
        IReadOnlyList<(Guid TenantId, Guid TokenId)> batch = await Store.PurgeExpiredPciTokensAsync(now, 2, (t, id) => VaultEvents.PciTokenExpired(t, id, T0), None);
        Assert.Equal(2, batch.Count); // at least three expired tokens exist, so the first batch is full
        while (batch.Count > 0)
        {
            Assert.True(batch.Count <= 2);
            purged.AddRange(batch);
            batch = await Store.PurgeExpiredPciTokensAsync(now, 2, (t, id) => VaultEvents.PciTokenExpired(t, id, T0), None);
        }

        Assert.All(expired, t => Assert.Contains((tenant.Id, t.Id), purged));
        Assert.DoesNotContain(purged, p => p.TokenId == live.Id || p.TokenId == forever.Id);
        Assert.Equal(purged.Count, purged.Distinct().Count());

        // Erased, not just hidden: not even a read "in the past" finds them.
        foreach (PciTokenRecord token in expired)
        {
            Assert.Null(await Store.GetPciTokenAsync(tenant.Id, token.Id, T0.AddYears(-10), None));
        }

        Assert.NotNull(await Store.GetPciTokenAsync(tenant.Id, live.Id, now, None));
        Assert.NotNull(await Store.GetPciTokenAsync(tenant.Id, forever.Id, now, None));
    }

    [SkippableFact]
    public async Task PurgeExpiredPciTokens_NothingExpiredBeforeNow_ReturnsNoneOfTheLiveOnes()
    {
        Tenant tenant = await NewTenantAsync();
        PciTokenRecord future = await InsertTokenAsync(tenant.Id, expiresAt: T0.AddYears(100));

        IReadOnlyList<(Guid TenantId, Guid TokenId)> purged = await Store.PurgeExpiredPciTokensAsync(T0.AddYears(99), 1000, (t, id) => VaultEvents.PciTokenExpired(t, id, T0), None);

        Assert.DoesNotContain((tenant.Id, future.Id), purged);
        Assert.NotNull(await Store.GetPciTokenAsync(tenant.Id, future.Id, T0, None));
    }
}
