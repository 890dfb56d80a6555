using System.Globalization;
using System.Security.Cryptography;
using Strongroom.Core.Audit;
using Strongroom.Core.Storage;
using Strongroom.Core.Tests.Support;

namespace Strongroom.Core.Tests.Storage;

/// <summary>
/// The audit-log part of the <see cref="IVaultStore"/> contract (append by unique seq, last entry, filtered listing) and
/// the monotonic setting that holds the sealed head, run on each engine. The log is instance-wide, so every test uses
/// a fresh database.
/// </summary>
public abstract class AuditStoreContract
{
    private static readonly DateTimeOffset T0 = ManualClock.DefaultStart;

    private static readonly CancellationToken None = CancellationToken.None;

    protected AuditStoreContract(StoreFixture fixture)
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        Fixture = fixture;
    }

    protected StoreFixture Fixture { get; }

    private async Task<(StoreDatabase Database, IVaultStore Store)> NewStoreAsync()
    {
        StoreDatabase database = await Fixture.CreateDatabaseAsync();
        IVaultStore store = database.NewStore();
        await store.MigrateAsync(None);
        return (database, store);
    }

    private static AuditEntry Entry(long seq, Guid? tenantId = null, string action = "tenant.created", string actor = "admin", DateTimeOffset? at = null, bool seal = false) =>
        new(seq, Guid.NewGuid(), at ?? T0, actor, action, tenantId, "target-" + seq.ToString(CultureInfo.InvariantCulture), "{\"n\":\"1\"}",
            RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32), seal ? RandomNumberGenerator.GetBytes(32) : null);

    [SkippableFact]
    public async Task EmptyLog_HasNoLastEntry()
    {
        (_, IVaultStore store) = await NewStoreAsync();

        Assert.Null(await store.GetLastAuditEntryAsync(None));
        Assert.Empty(await store.ListAuditEntriesAsync(new AuditQuery(), None));
    }

    [SkippableFact]
    public async Task Append_RoundTripsEveryColumn()
    {
        (_, IVaultStore store) = await NewStoreAsync();
        AuditEntry full = Entry(1, Guid.NewGuid(), seal: true) with { At = T0.AddMilliseconds(123) };
        AuditEntry sparse = Entry(2) with { Target = null, DetailsJson = "{}" };

        Assert.True(await store.TryAppendAuditEntryAsync(full, None));
        Assert.True(await store.TryAppendAuditEntryAsync(sparse, None));
        IReadOnlyList<AuditEntry> read = await store.ListAuditEntriesAsync(new AuditQuery(), None);

        AssertSame(full, read[0]);
        AssertSame(sparse, read[1]);
        AssertSame(sparse, (await store.GetLastAuditEntryAsync(None))!);
    }

    [SkippableFact]
    public async Task Append_ATakenSeq_IsRefused_AndLeavesTheFirstInPlace()
    {
        (_, IVaultStore store) = await NewStoreAsync();
        AuditEntry first = Entry(1);

        Assert.True(await store.TryAppendAuditEntryAsync(first, None));
        Assert.False(await store.TryAppendAuditEntryAsync(Entry(1, action: "other.action"), None));

        AssertSame(first, Assert.Single(await store.ListAuditEntriesAsync(new AuditQuery(), None)));
    }

    [SkippableFact]
    public async Task ConcurrentAppends_OfOneSeq_ExactlyOneWins()
    {
        (StoreDatabase database, IVaultStore store) = await NewStoreAsync();
        IVaultStore[] nodes = [store, database.NewStore(), database.NewStore()];

        bool[] results = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(() => nodes[i % nodes.Length].TryAppendAuditEntryAsync(Entry(1), None))));

        Assert.Single(results, r => r);
        Assert.Single(await store.ListAuditEntriesAsync(new AuditQuery(), None));
    }

    [SkippableFact]
    public async Task List_Filters_AreCombined_FromInclusive_ToExclusive_AfterAndLimit()
    {
        (_, IVaultStore store) = await NewStoreAsync();
        Guid tenantA = Guid.NewGuid();
        Guid tenantB = Guid.NewGuid();
        for (int seq = 1; seq <= 10; seq++)
        {
            await store.TryAppendAuditEntryAsync(
                Entry(seq, seq <= 5 ? tenantA : tenantB, seq % 2 == 0 ? "api_key.created" : "tenant.created", seq % 3 == 0 ? "api-key:k" : "admin", T0.AddMinutes(seq)), None);
        }

        async Task<IReadOnlyList<long>> SeqsAsync(AuditQuery query) => [.. (await store.ListAuditEntriesAsync(query, None)).Select(e => e.Seq)];

        Assert.Equal([1L, 2, 3, 4, 5, 6, 7, 8, 9, 10], await SeqsAsync(new AuditQuery()));
        Assert.Equal([6L, 7, 8, 9, 10], await SeqsAsync(new AuditQuery(TenantId: tenantB)));
        Assert.Equal([2L, 4, 6, 8, 10], await SeqsAsync(new AuditQuery(Action: "api_key.created")));
        Assert.Equal([3L, 6, 9], await SeqsAsync(new AuditQuery(Actor: "api-key:k")));
        Assert.Equal([3L, 4, 5], await SeqsAsync(new AuditQuery(From: T0.AddMinutes(3), To: T0.AddMinutes(6))));
        Assert.Equal([5L, 6], await SeqsAsync(new AuditQuery(AfterSeq: 4, Limit: 2)));
        Assert.Equal([8L, 10], await SeqsAsync(new AuditQuery(TenantId: tenantB, Action: "api_key.created", AfterSeq: 6)));
        Assert.Empty(await SeqsAsync(new AuditQuery(TenantId: Guid.NewGuid())));
        Assert.Equal(10, (await store.GetLastAuditEntryAsync(None))!.Seq);
    }

    [SkippableFact]
    public async Task SetSettingIfNewer_NeverMovesBackwards()
    {
        (_, IVaultStore store) = await NewStoreAsync();

        await store.SetSettingIfNewerAsync("audit.head", "5:five", 5, None);
        await store.SetSettingIfNewerAsync("audit.head", "3:three", 3, None);
        Assert.Equal("5:five", await store.GetSettingAsync("audit.head", None));

        await store.SetSettingIfNewerAsync("audit.head", "7:seven", 7, None);
        Assert.Equal("7:seven", await store.GetSettingAsync("audit.head", None));
    }

    [SkippableFact]
    public async Task SetSettingIfNewer_FromConcurrentNodes_EndsAtTheHighestOrder()
    {
        (StoreDatabase database, IVaultStore store) = await NewStoreAsync();
        IVaultStore[] nodes = [store, database.NewStore(), database.NewStore(), database.NewStore()];

        for (int run = 0; run < 5; run++)
        {
            string name = "head-" + run.ToString(CultureInfo.InvariantCulture);
            int[] orders = [.. Enumerable.Range(1, 40).OrderBy(_ => RandomNumberGenerator.GetInt32(1000))];
            await Task.WhenAll(orders.Select((order, i) => Task.Run(() =>
                nodes[i % nodes.Length].SetSettingIfNewerAsync(name, order.ToString(CultureInfo.InvariantCulture) + ":x", order, None))));

            Assert.Equal("40:x", await store.GetSettingAsync(name, None));
        }
    }

    private static void AssertSame(AuditEntry expected, AuditEntry actual)
    {
        Assert.Equal(expected.Seq, actual.Seq);
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.At, actual.At);
        Assert.Equal(expected.Actor, actual.Actor);
        Assert.Equal(expected.Action, actual.Action);
        Assert.Equal(expected.TenantId, actual.TenantId);
        Assert.Equal(expected.Target, actual.Target);
        Assert.Equal(expected.DetailsJson, actual.DetailsJson);
        Assert.Equal(expected.PreviousHash, actual.PreviousHash);
        Assert.Equal(expected.Hash, actual.Hash);
        Assert.Equal(expected.Seal, actual.Seal);
    }
}

/// <summary>The audit store contract on SQLite.</summary>
public sealed class SqliteAuditStoreTests(SqliteStoreFixture fixture) : AuditStoreContract(fixture), IClassFixture<SqliteStoreFixture>;

/// <summary>The audit store contract on PostgreSQL; skipped locally without <c>STRONGROOM_TEST_POSTGRES</c>, fails on CI without it.</summary>
public sealed class PostgresAuditStoreTests(PostgresStoreFixture fixture) : AuditStoreContract(fixture), IClassFixture<PostgresStoreFixture>;
