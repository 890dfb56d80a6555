using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Strongroom.Core.Audit;
using Strongroom.Core.Storage;
using Strongroom.Core.Tests.Support;
using Strongroom.Storage;

namespace Strongroom.Core.Tests.Audit;

/// <summary>
/// The audit log over a real store, tampered with the way an attacker with database access would: straight SQL on
/// the database, never through the vault. Each test gets a fresh database (the log is instance-wide) and the real
/// development key provider (whose audit key the "attacker" does not have).
/// </summary>
public abstract class AuditLogContract : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly List<IDisposable> _disposables = [];

    protected AuditLogContract(StoreFixture fixture)
    {
        // SkipException from the constructor marks every [SkippableFact] of the class as skipped (PostgreSQL without a server, locally).
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        Fixture = fixture;
    }

    protected StoreFixture Fixture { get; }

    public void Dispose()
    {
        foreach (IDisposable disposable in _disposables)
        {
            disposable.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    // ---- helpers -------------------------------------------------------------------------------

    /// <summary>A fresh, migrated database and an audit log on it (with its own key file and clock).</summary>
    private async Task<Vault> NewVaultAsync()
    {
        StoreDatabase database = await Fixture.CreateDatabaseAsync();
        IVaultStore store = database.NewStore();
        await store.MigrateAsync(None);
        var harness = new VaultHarness(store);
        _disposables.Add(harness);
        return new Vault(database, store, harness, NewLog(store, harness));
    }

    private AuditLog NewLog(IVaultStore store, VaultHarness harness)
    {
        var log = new AuditLog(store, store, harness.KeyProvider, harness.Time, NullLogger<AuditLog>.Instance);
        _disposables.Add(log);
        return log;
    }

    private static async Task AppendManyAsync(AuditLog log, int count, string actor = "admin")
    {
        for (int i = 1; i <= count; i++)
        {
            await log.AppendAsync(actor, i % 2 == 0 ? "api_key.created" : "tenant.created", Guid.NewGuid(), "target-" + i, new Dictionary<string, string> { ["n"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) }, None);
        }
    }

    private static async Task ExecuteAsync(StoreDatabase database, string sql, params (string Name, object? Value)[] parameters)
    {
        await using DbConnection connection = database switch
        {
            SqliteDatabase sqlite => new SqliteConnection(SqliteVaultStore.ConnectionStringFor(sqlite.FilePath)),
            PostgresDatabase postgres => new NpgsqlConnection(postgres.ConnectionString),
            _ => throw new NotSupportedException(database.Engine),
        };
        await connection.OpenAsync();
        await using DbCommand command = connection.CreateCommand();
#pragma warning disable CA2100 // Test-only SQL written by the tests themselves: the attacker's edits.
        command.CommandText = sql;
#pragma warning restore CA2100
        foreach ((string name, object? value) in parameters)
        {
            DbParameter parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        await command.ExecuteNonQueryAsync();
    }

    private static async Task<IReadOnlyList<AuditEntry>> AllAsync(IVaultStore store) =>
        await store.ListAuditEntriesAsync(new AuditQuery(Limit: 10_000), None);

    /// <summary>
    /// What an attacker without the audit key can do after editing rows: recompute every hash from <paramref name="fromSeq"/>
    /// on with plain SHA-256 (the algorithm is public) and relink the chain. Seals and the head they cannot recompute.
    /// </summary>
    private static async Task RecomputeChainAsync(Vault vault, long fromSeq)
    {
        IReadOnlyList<AuditEntry> entries = await AllAsync(vault.Store);
        byte[] previous = entries.Single(e => e.Seq == fromSeq).PreviousHash;
        foreach (AuditEntry entry in entries.Where(e => e.Seq >= fromSeq))
        {
            byte[] hash = AuditLog.Hash(entry with { PreviousHash = previous });
            await ExecuteAsync(vault.Database, "UPDATE audit_log SET prev_hash = @prev, hash = @hash WHERE seq = @seq", ("prev", previous), ("hash", hash), ("seq", entry.Seq));
            previous = hash;
        }
    }

    private sealed record Vault(StoreDatabase Database, IVaultStore Store, VaultHarness Harness, AuditLog Log);

    // ---- an intact log -----------------------------------------------------------------------------

    [SkippableFact]
    public async Task EmptyLog_IsIntact()
    {
        Vault vault = await NewVaultAsync();

        AuditVerification result = await vault.Log.VerifyAsync(None);

        Assert.True(result.Intact);
        Assert.Equal(0, result.Checked);
        Assert.Equal(0, result.Sealed);
    }

    [SkippableFact]
    public async Task FortyEntries_VerifyIntact_WithTwoSeals_AndTheHeadOnTheLast()
    {
        Vault vault = await NewVaultAsync();

        await AppendManyAsync(vault.Log, 40);
        AuditVerification result = await vault.Log.VerifyAsync(None);

        Assert.True(result.Intact, result.Problem);
        Assert.Equal(40, result.Checked);
        Assert.Equal(2, result.Sealed);
        IReadOnlyList<AuditEntry> entries = await AllAsync(vault.Store);
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), entries.Select(e => e.Seq));
        Assert.Equal([16L, 32L], entries.Where(e => e.Seal is not null).Select(e => e.Seq));
        Assert.Equal(new byte[32], entries[0].PreviousHash);
        Assert.All(entries.Skip(1), e => Assert.Equal(entries[(int)e.Seq - 2].Hash, e.PreviousHash));
        string head = (await vault.Store.GetSettingAsync(AuditLog.HeadSetting, None))!;
        Assert.StartsWith("40:" + Convert.ToHexString(entries[^1].Hash) + ":", head, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Entries_RoundTripEveryField()
    {
        Vault vault = await NewVaultAsync();
        Guid tenantId = Guid.NewGuid();

        AuditEntry written = await vault.Log.AppendAsync("api-key:0123456789abcdef", "network_token.cryptogram_issued", tenantId, "tok-1",
            new Dictionary<string, string> { ["mode"] = "value", ["amount"] = "1999", ["currency"] = "EUR" }, None);
        AuditEntry withoutTenant = await vault.Log.AppendAsync("admin", "instance.checked", null, null, null, None);
        IReadOnlyList<AuditEntry> read = await AllAsync(vault.Store);

        AuditEntry first = read[0];
        Assert.Equal(written.Id, first.Id);
        Assert.Equal(written.At, first.At);
        Assert.Equal(vault.Harness.Time.GetUtcNow(), first.At);
        Assert.Equal("api-key:0123456789abcdef", first.Actor);
        Assert.Equal("network_token.cryptogram_issued", first.Action);
        Assert.Equal(tenantId, first.TenantId);
        Assert.Equal("tok-1", first.Target);
        Assert.Equal("""{"mode":"value","amount":"1999","currency":"EUR"}""", first.DetailsJson);
        Assert.Equal(written.Hash, first.Hash);
        Assert.Null(read[1].TenantId);
        Assert.Null(read[1].Target);
        Assert.Equal("{}", read[1].DetailsJson);
        Assert.Equal(withoutTenant.Hash, read[1].Hash);
    }

    // ---- tampering ---------------------------------------------------------------------------------

    [SkippableFact]
    public async Task ChangedDetails_AreDetectedAtThatSeq()
    {
        Vault vault = await NewVaultAsync();
        await AppendManyAsync(vault.Log, 40);

        await ExecuteAsync(vault.Database, """UPDATE audit_log SET details = '{"n":"innocent"}' WHERE seq = 7""");
        AuditVerification result = await vault.Log.VerifyAsync(None);

        Assert.False(result.Intact);
        Assert.Equal(7, result.BrokenAtSeq);
        Assert.Equal(6, result.Checked);
        Assert.Contains("altered", result.Problem, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task ChangedActor_IsDetected()
    {
        Vault vault = await NewVaultAsync();
        await AppendManyAsync(vault.Log, 20);

        await ExecuteAsync(vault.Database, "UPDATE audit_log SET actor = 'api-key:someone-else' WHERE seq = 18");

        Assert.Equal(18, (await vault.Log.VerifyAsync(None)).BrokenAtSeq);
    }

    [SkippableFact]
    public async Task DeletedMiddleEntry_IsDetected()
    {
        Vault vault = await NewVaultAsync();
        await AppendManyAsync(vault.Log, 40);

        await ExecuteAsync(vault.Database, "DELETE FROM audit_log WHERE seq = 20");
        AuditVerification result = await vault.Log.VerifyAsync(None);

        Assert.False(result.Intact);
        Assert.Equal(20, result.BrokenAtSeq);
        Assert.Contains("missing", result.Problem, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task DeletedMiddleEntry_WithLaterSeqsShiftedDown_IsDetected()
    {
        Vault vault = await NewVaultAsync();
        await AppendManyAsync(vault.Log, 40);

        // Hide the gap: delete 20 and renumber 21..40 to 20..39 (one row at a time, so the primary key never clashes).
        await ExecuteAsync(vault.Database, "DELETE FROM audit_log WHERE seq = 20");
        for (int seq = 21; seq <= 40; seq++)
        {
            await ExecuteAsync(vault.Database, "UPDATE audit_log SET seq = @to WHERE seq = @from", ("to", (long)seq - 1), ("from", (long)seq));
        }

        AuditVerification result = await vault.Log.VerifyAsync(None);

        Assert.False(result.Intact);
        Assert.Equal(20, result.BrokenAtSeq);
    }

    [SkippableFact]
    public async Task SwappedEntries_AreDetected()
    {
        Vault vault = await NewVaultAsync();
        await AppendManyAsync(vault.Log, 40);

        await ExecuteAsync(vault.Database, "UPDATE audit_log SET seq = -5 WHERE seq = 5");
        await ExecuteAsync(vault.Database, "UPDATE audit_log SET seq = 5 WHERE seq = 6");
        await ExecuteAsync(vault.Database, "UPDATE audit_log SET seq = 6 WHERE seq = -5");
        AuditVerification result = await vault.Log.VerifyAsync(None);

        Assert.False(result.Intact);
        Assert.Equal(5, result.BrokenAtSeq);
    }

    [SkippableFact]
    public async Task TruncatedTail_IsDetectedByTheHead()
    {
        Vault vault = await NewVaultAsync();
        await AppendManyAsync(vault.Log, 40);

        await ExecuteAsync(vault.Database, "DELETE FROM audit_log WHERE seq > 37");
        AuditVerification result = await vault.Log.VerifyAsync(None);

        Assert.False(result.Intact);
        Assert.Equal(38, result.BrokenAtSeq);
        Assert.Equal(37, result.Checked);
        Assert.Contains("removed from the end", result.Problem, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task TruncatedToASealedEntry_WithThatEntrysSealPassedOffAsTheHead_IsDetected()
    {
        Vault vault = await NewVaultAsync();
        await AppendManyAsync(vault.Log, 40);
        AuditEntry sealedEntry = (await AllAsync(vault.Store)).Single(e => e.Seq == 32);

        // Entry 32's seal is in the database: without domain separation it would be a valid head for a log ending at 32.
        await ExecuteAsync(vault.Database, "DELETE FROM audit_log WHERE seq > 32");
        string forgedHead = $"32:{Convert.ToHexString(sealedEntry.Hash)}:{Convert.ToHexString(sealedEntry.Seal!)}";
        await ExecuteAsync(vault.Database, "UPDATE settings SET value = @v WHERE name = @n", ("v", forgedHead), ("n", AuditLog.HeadSetting));
        AuditVerification result = await vault.Log.VerifyAsync(None);

        Assert.False(result.Intact);
        Assert.Contains("head", result.Problem, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task DeletedHead_IsDetected()
    {
        Vault vault = await NewVaultAsync();
        await AppendManyAsync(vault.Log, 5);

        await ExecuteAsync(vault.Database, "DELETE FROM settings WHERE name = @n", ("n", AuditLog.HeadSetting));
        AuditVerification result = await vault.Log.VerifyAsync(None);

        Assert.False(result.Intact);
        Assert.Equal(1, result.BrokenAtSeq);
        Assert.Contains("missing", result.Problem, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task EditedEntry_WithTheWholeChainRecomputed_IsDetectedByTheNextSeal()
    {
        Vault vault = await NewVaultAsync();
        await AppendManyAsync(vault.Log, 40);

        await ExecuteAsync(vault.Database, "UPDATE audit_log SET action = 'nothing.happened' WHERE seq = 5");
        await RecomputeChainAsync(vault, fromSeq: 5);
        AuditVerification result = await vault.Log.VerifyAsync(None);

        // Every link and hash is consistent again; only the keyed seal at 16 gives it away.
        Assert.False(result.Intact);
        Assert.Equal(16, result.BrokenAtSeq);
        Assert.Equal(15, result.Checked);
        Assert.Contains("seal", result.Problem, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task EditedEntryAfterTheLastSeal_WithTheTailRecomputed_IsDetectedByTheHead()
    {
        Vault vault = await NewVaultAsync();
        await AppendManyAsync(vault.Log, 40);

        await ExecuteAsync(vault.Database, """UPDATE audit_log SET details = '{"n":"0"}' WHERE seq = 35""");
        await RecomputeChainAsync(vault, fromSeq: 35);
        AuditVerification result = await vault.Log.VerifyAsync(None);

        Assert.False(result.Intact);
        Assert.Equal(40, result.BrokenAtSeq);
        Assert.Contains("sealed head", result.Problem, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task ForgedEntriesAppendedWithoutTheKey_AreDetected()
    {
        Vault vault = await NewVaultAsync();
        await AppendManyAsync(vault.Log, 10);
        AuditEntry last = (await AllAsync(vault.Store))[^1];

        // A correctly chained entry 11 written straight into the table: the head (sealed) still names 10.
        var forged = new AuditEntry(11, Guid.NewGuid(), last.At, "admin", "tenant.created", null, null, "{}", last.Hash, [], null);
        forged = forged with { Hash = AuditLog.Hash(forged) };
        Assert.True(await vault.Store.TryAppendAuditEntryAsync(forged, None));
        AuditVerification result = await vault.Log.VerifyAsync(None);

        Assert.False(result.Intact);
        Assert.Equal(11, result.BrokenAtSeq);
        Assert.Contains("not covered by the sealed head", result.Problem, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task TheNextAppend_AfterTampering_DoesNotHideIt()
    {
        Vault vault = await NewVaultAsync();
        await AppendManyAsync(vault.Log, 10);

        await ExecuteAsync(vault.Database, """UPDATE audit_log SET details = '{}' WHERE seq = 3""");
        await AppendManyAsync(vault.Log, 10);

        Assert.Equal(3, (await vault.Log.VerifyAsync(None)).BrokenAtSeq);
    }

    [SkippableFact]
    public async Task AnotherInstallationsAuditKey_DoesNotVerifyTheSeals()
    {
        Vault vault = await NewVaultAsync();
        await AppendManyAsync(vault.Log, 20);
        using var otherKeys = new VaultHarness(vault.Store);
        using var other = new AuditLog(vault.Store, vault.Store, otherKeys.KeyProvider, otherKeys.Time, NullLogger<AuditLog>.Instance);

        AuditVerification result = await other.VerifyAsync(None);

        Assert.False(result.Intact);
        Assert.Equal(16, result.BrokenAtSeq);
    }

    // ---- concurrency -------------------------------------------------------------------------------

    [SkippableFact]
    public async Task ConcurrentAppends_FromSeveralNodesAndTasks_AreContiguousAndIntact()
    {
        Vault vault = await NewVaultAsync();

        // Three "nodes" (store + log instances on one database, one key provider) with three tasks each.
        AuditLog[] logs = [vault.Log, NewLog(vault.Database.NewStore(), vault.Harness), NewLog(vault.Database.NewStore(), vault.Harness)];
        Task[] writers = logs.SelectMany(log => Enumerable.Range(0, 3).Select(_ => Task.Run(() => AppendManyAsync(log, 10)))).ToArray();
        await Task.WhenAll(writers);
        AuditVerification result = await vault.Log.VerifyAsync(None);

        Assert.True(result.Intact, result.Problem);
        Assert.Equal(90, result.Checked);
        Assert.Equal(5, result.Sealed);
        Assert.Equal(Enumerable.Range(1, 90).Select(i => (long)i), (await AllAsync(vault.Store)).Select(e => e.Seq));
        Assert.StartsWith("90:", await vault.Store.GetSettingAsync(AuditLog.HeadSetting, None), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task VerifyWhileAnotherNodeAppends_NeverReportsABreak()
    {
        Vault vault = await NewVaultAsync();
        AuditLog writer = NewLog(vault.Database.NewStore(), vault.Harness);
        await AppendManyAsync(writer, 5);

        Task appending = Task.Run(() => AppendManyAsync(writer, 60));
        var results = new List<AuditVerification>();
        while (!appending.IsCompleted)
        {
            results.Add(await vault.Log.VerifyAsync(None));
        }

        await appending;
        results.Add(await vault.Log.VerifyAsync(None));

        Assert.All(results, r => Assert.True(r.Intact, $"seq {r.BrokenAtSeq}: {r.Problem}"));
        Assert.Equal(65, results[^1].Checked);
    }

    // ---- listing -----------------------------------------------------------------------------------

    [SkippableFact]
    public async Task List_FiltersAndPages()
    {
        Vault vault = await NewVaultAsync();
        Guid tenantA = Guid.NewGuid();
        Guid tenantB = Guid.NewGuid();
        DateTimeOffset start = vault.Harness.Time.GetUtcNow();
        for (int i = 0; i < 12; i++)
        {
            await vault.Log.AppendAsync(i % 3 == 0 ? "admin" : "api-key:k1", i % 2 == 0 ? "tenant.created" : "api_key.created", i < 6 ? tenantA : tenantB, null, null, None);
            vault.Harness.Time.Advance(TimeSpan.FromMinutes(1));
        }

        Assert.Equal(6, (await vault.Log.ListAsync(new AuditQuery(TenantId: tenantA), None)).Count);
        Assert.Equal([2L, 4L, 6L, 8L, 10L, 12L], (await vault.Log.ListAsync(new AuditQuery(Action: "api_key.created"), None)).Select(e => e.Seq));
        Assert.Equal([1L, 4L, 7L, 10L], (await vault.Log.ListAsync(new AuditQuery(Actor: "admin"), None)).Select(e => e.Seq));
        Assert.Equal([3L, 4L], (await vault.Log.ListAsync(new AuditQuery(From: start.AddMinutes(2), To: start.AddMinutes(4)), None)).Select(e => e.Seq));
        Assert.Equal([8L, 10L], (await vault.Log.ListAsync(new AuditQuery(TenantId: tenantB, Action: "api_key.created", AfterSeq: 6, Limit: 2), None)).Select(e => e.Seq));
    }
}

/// <summary>The audit log on SQLite.</summary>
public sealed class SqliteAuditLogTests(SqliteStoreFixture fixture) : AuditLogContract(fixture), IClassFixture<SqliteStoreFixture>;

/// <summary>The audit log on PostgreSQL; skipped locally without <c>STRONGROOM_TEST_POSTGRES</c>, fails on CI without it.</summary>
public sealed class PostgresAuditLogTests(PostgresStoreFixture fixture) : AuditLogContract(fixture), IClassFixture<PostgresStoreFixture>;
