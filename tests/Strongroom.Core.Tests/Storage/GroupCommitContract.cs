using Strongroom.Core.Cards;
using Strongroom.Core.Events;
using Strongroom.Core.Storage;
using Strongroom.Core.Tenancy;
using Strongroom.Core.Tests.Support;
using Strongroom.Core.Tokens;

namespace Strongroom.Core.Tests.Storage;

/// <summary>
/// Group commit of PCI token inserts: a batch commits whole or not at all, with each token's event, and many concurrent
/// tokenizations (queued into shared transactions on SQLite) all come back acknowledged, stored once, each with its event.
/// </summary>
public abstract class GroupCommitContract(StoreFixture fixture)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [SkippableFact]
    public async Task Batch_IsAllOrNothing_WithEachTokensEvent()
    {
        using VaultHarness vault = await fixture.NewVaultAsync();
        Tenant tenant = await vault.NewTenantAsync();
        PciToken template = await vault.Tokens.CreateAsync(tenant.Id, vault.Card(TestCards.Visa), TokenOptions.None, None);
        PciTokenRecord existing = (await vault.Store.GetPciTokenAsync(tenant.Id, template.Id, vault.Time.GetUtcNow(), None))!;
        PciTokenRecord first = existing with { Id = Guid.CreateVersion7() };
        PciTokenRecord second = existing with { Id = Guid.CreateVersion7() };

        // A duplicate id in the batch fails it: neither new token nor any of the events may remain.
        await Assert.ThrowsAnyAsync<Exception>(() => vault.Store.InsertPciTokensAsync(
            [(first, VaultEvents.PciTokenCreated(first)), (existing, VaultEvents.PciTokenCreated(existing))], None));
        Assert.Null(await vault.Store.GetPciTokenAsync(tenant.Id, first.Id, vault.Time.GetUtcNow(), None));
        Assert.Empty(await vault.Store.ListEventsAsync(tenant.Id, first.Id.ToString(), None));

        await vault.Store.InsertPciTokensAsync([(first, VaultEvents.PciTokenCreated(first)), (second, VaultEvents.PciTokenCreated(second))], None);
        Assert.NotNull(await vault.Store.GetPciTokenAsync(tenant.Id, first.Id, vault.Time.GetUtcNow(), None));
        Assert.NotNull(await vault.Store.GetPciTokenAsync(tenant.Id, second.Id, vault.Time.GetUtcNow(), None));
        Assert.Single(await vault.Store.ListEventsAsync(tenant.Id, second.Id.ToString(), None));
    }

    [SkippableFact]
    public async Task ConcurrentTokenizations_AreAllAcknowledgedAndStoredOnce_WithTheirEvents()
    {
        using VaultHarness vault = await fixture.NewVaultAsync();
        Tenant tenant = await vault.NewTenantAsync();

        // 32 in flight: enough to queue batches on SQLite, within a test PostgreSQL's connection limit.
        var results = new System.Collections.Concurrent.ConcurrentBag<PciToken>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 200), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
            results.Add(await vault.Tokens.CreateAsync(tenant.Id, vault.Card(i % 2 == 0 ? TestCards.Visa : TestCards.Mastercard), TokenOptions.None, None)));
        PciToken[] created = [.. results];

        Assert.Equal(200, created.Select(t => t.Id).Distinct().Count());
        foreach (PciToken token in created)
        {
            Assert.NotNull(await vault.Tokens.GetAsync(tenant.Id, token.Id, None));
        }

        IReadOnlyList<VaultEvent> events = await vault.Store.ListTenantEventsAsync(tenant.Id, VaultEventTypes.PciTokenCreated, null, 1000, None);
        Assert.Equal(created.Select(t => t.Id.ToString()).Order(), events.Select(e => e.SubjectId).Order());
    }

    [SkippableFact]
    public async Task ATokenForADeletedTenant_FailsAlone_TheOthersInItsBatchCommit()
    {
        using VaultHarness vault = await fixture.NewVaultAsync();
        Tenant live = await vault.NewTenantAsync();
        Tenant doomed = await vault.NewTenantAsync();
        await vault.Keyring.GetAsync(doomed.Id, None); // its keys are cached: sealing still works after the row is gone
        Assert.True(await vault.Store.DeleteTenantAsync(doomed.Id, None));

        Task<PciToken>[] calls = [.. Enumerable.Range(0, 40).Select(i =>
            Task.Run(() => vault.Tokens.CreateAsync(i == 17 ? doomed.Id : live.Id, vault.Card(TestCards.Visa), TokenOptions.None, None)))];
        await Task.WhenAll(calls.Select(c => c.ContinueWith(_ => { }, TaskScheduler.Default)));

        Assert.True(calls[17].IsFaulted);
        Assert.All(calls.Where((_, i) => i != 17), c => Assert.True(c.IsCompletedSuccessfully));
        Assert.Equal(39, (await vault.Store.ListTenantEventsAsync(live.Id, VaultEventTypes.PciTokenCreated, null, 1000, None)).Count);
    }
}

public sealed class SqliteGroupCommitTests(SqliteStoreFixture fixture) : GroupCommitContract(fixture), IClassFixture<SqliteStoreFixture>;

public sealed class PostgresGroupCommitTests(PostgresStoreFixture fixture) : GroupCommitContract(fixture), IClassFixture<PostgresStoreFixture>;
