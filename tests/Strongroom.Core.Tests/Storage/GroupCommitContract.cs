using Strongroom.Core.Events;
using Strongroom.Core.Idempotency;
using Strongroom.Core.Tenancy;
using Strongroom.Core.Tests.Support;
using Strongroom.Core.Tokens;

namespace Strongroom.Core.Tests.Storage;

/// <summary>
/// Group commit of PCI token inserts: a batch commits whole or not at all, with each token's event, and many concurrent
/// tokenizations (queued into shared transactions on SQLite) all come back acknowledged, stored once, each with its event; an
/// idempotent create commits its completed key in the same transaction, and one whose reservation was taken over writes nothing.
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
            [new PciTokenInsert(first, VaultEvents.PciTokenCreated(first)), new PciTokenInsert(existing, VaultEvents.PciTokenCreated(existing))], None));
        Assert.Null(await vault.Store.GetPciTokenAsync(tenant.Id, first.Id, vault.Time.GetUtcNow(), None));
        Assert.Empty(await vault.Store.ListEventsAsync(tenant.Id, first.Id.ToString(), None));

        await vault.Store.InsertPciTokensAsync([new PciTokenInsert(first, VaultEvents.PciTokenCreated(first)), new PciTokenInsert(second, VaultEvents.PciTokenCreated(second))], None);
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
    [SkippableFact]
    public async Task IdempotentCreate_CommitsTheTokenAndItsCompletedKeyTogether_AndARetryReplaysIt()
    {
        using VaultHarness vault = await fixture.NewVaultAsync();
        Tenant tenant = await vault.NewTenantAsync();
        byte[] request = "{\"source\":1}"u8.ToArray();
        var first = (IdempotencyDecision.Proceed)await vault.Idempotency.BeginAsync(tenant.Id, "key-1", "POST /t", request, None);

        PciToken token = await vault.Tokens.CreateAsync(tenant.Id, vault.Card(TestCards.Visa), TokenOptions.None,
            first.Reservation.ReplyWith<PciToken>(t => new StoredResponse(201, System.Text.Encoding.UTF8.GetBytes(t.Id.ToString()))), None);

        Assert.True(first.Reservation.Committed);
        var replay = Assert.IsType<IdempotencyDecision.Replay>(await vault.Idempotency.BeginAsync(tenant.Id, "key-1", "POST /t", request, None));
        Assert.Equal(201, replay.Status);
        Assert.Equal(token.Id.ToString(), System.Text.Encoding.UTF8.GetString(replay.Body));
    }

    [SkippableFact]
    public async Task IdempotentCreate_WhoseReservationWasTakenOver_WritesNothing_AndTheRetryIsTheOnlyToken()
    {
        using VaultHarness vault = await fixture.NewVaultAsync();
        Tenant tenant = await vault.NewTenantAsync();
        byte[] request = "{\"source\":2}"u8.ToArray();
        var stale = (IdempotencyDecision.Proceed)await vault.Idempotency.BeginAsync(tenant.Id, "key-2", "POST /t", request, None);

        // The first request looks abandoned; a retry takes the key over, then the first request tries to commit.
        vault.Time.Advance(vault.Options.IdempotencyReservationTimeout + TimeSpan.FromSeconds(1));
        var retry = Assert.IsType<IdempotencyDecision.Proceed>(await vault.Idempotency.BeginAsync(tenant.Id, "key-2", "POST /t", request, None));
        await Assert.ThrowsAsync<IdempotencyReservationLostException>(() => vault.Tokens.CreateAsync(tenant.Id, vault.Card(TestCards.Visa), TokenOptions.None,
            stale.Reservation.ReplyWith<PciToken>(t => new StoredResponse(201, [1])), None));
        PciToken kept = await vault.Tokens.CreateAsync(tenant.Id, vault.Card(TestCards.Visa), TokenOptions.None,
            retry.Reservation.ReplyWith<PciToken>(t => new StoredResponse(201, [2])), None);

        Assert.False(stale.Reservation.Committed);
        Assert.True(retry.Reservation.Committed);
        PciTokenPage page = await vault.Tokens.ListAsync(tenant.Id, null, 10, None);
        Assert.Equal(kept.Id, Assert.Single(page.Items).Id);
        IReadOnlyList<VaultEvent> events = await vault.Store.ListTenantEventsAsync(tenant.Id, VaultEventTypes.PciTokenCreated, null, 10, None);
        Assert.Equal(kept.Id.ToString(), Assert.Single(events).SubjectId);
        var replay = Assert.IsType<IdempotencyDecision.Replay>(await vault.Idempotency.BeginAsync(tenant.Id, "key-2", "POST /t", request, None));
        Assert.Equal([2], replay.Body);
    }

    [SkippableFact]
    public async Task ConcurrentIdempotentCreates_OneWithALostReservation_FailOnlyThatOne()
    {
        using VaultHarness vault = await fixture.NewVaultAsync();
        Tenant tenant = await vault.NewTenantAsync();
        byte[] request = "{}"u8.ToArray();
        var reservations = new List<IdempotencyReservation>();
        for (int i = 0; i < 16; i++)
        {
            reservations.Add(((IdempotencyDecision.Proceed)await vault.Idempotency.BeginAsync(tenant.Id, $"k-{i}", "POST /t", request, None)).Reservation);
        }

        vault.Time.Advance(vault.Options.IdempotencyReservationTimeout + TimeSpan.FromSeconds(1));
        Assert.IsType<IdempotencyDecision.Proceed>(await vault.Idempotency.BeginAsync(tenant.Id, "k-5", "POST /t", request, None)); // takes k-5 over

        Task<PciToken>[] creates = [.. reservations.Select(r => vault.Tokens.CreateAsync(tenant.Id, vault.Card(TestCards.Visa), TokenOptions.None,
            r.ReplyWith<PciToken>(t => new StoredResponse(201, [7])), None))];
        await Assert.ThrowsAsync<IdempotencyReservationLostException>(() => creates[5]);
        for (int i = 0; i < creates.Length; i++)
        {
            if (i != 5)
            {
                await creates[i];
                Assert.True(reservations[i].Committed);
            }
        }

        Assert.Equal(15, (await vault.Tokens.ListAsync(tenant.Id, null, 100, None)).Items.Count);
    }
}

public sealed class SqliteGroupCommitTests(SqliteStoreFixture fixture) : GroupCommitContract(fixture), IClassFixture<SqliteStoreFixture>;

public sealed class PostgresGroupCommitTests(PostgresStoreFixture fixture) : GroupCommitContract(fixture), IClassFixture<PostgresStoreFixture>;
