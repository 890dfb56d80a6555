using System.Security.Cryptography;
using Strongroom.Core.Crypto;
using Strongroom.Core.Idempotency;
using Strongroom.Core.Keys;
using Strongroom.Core.Tenancy;
using Strongroom.Core.Tests.Support;
using Strongroom.Core.Tokens;

namespace Strongroom.Core.Tests.Keys;

/// <summary>
/// Key rotation and crypto-shredding over a real store, run on each engine. Each test gets its own database:
/// a KEK rotation touches every tenant key in it, and those must all be this test's key file's.
/// </summary>
public abstract class KeyRotationContract(StoreFixture fixture)
{
    private static readonly CancellationToken None = CancellationToken.None;

    private Task<VaultHarness> NewVaultAsync(VaultOptions? options = null) => fixture.NewVaultAsync(options ?? new VaultOptions { KeyCacheTtl = TimeSpan.Zero });

    /// <summary>One value in every sealed column, so a rotation that forgets a column cannot pass.</summary>
    private static async Task<List<Guid>> FillEveryColumnAsync(VaultHarness vault, Guid tenantId, int pciTokens)
    {
        var ids = new List<Guid>();
        for (int i = 0; i < pciTokens; i++)
        {
            ids.Add((await vault.Tokens.CreateAsync(tenantId, vault.Card(TestCards.Visa, "123", "Rota Tion"), TokenOptions.None, None)).Id);
        }

        await new CardTokenService(vault.Store, vault.Keyring, vault.Time, Microsoft.Extensions.Logging.Abstractions.NullLogger<CardTokenService>.Instance)
            .CreateAsync(tenantId, TestCards.Parse(TestCards.Mastercard), None);
        await vault.NetworkTokens.CreateAsync(tenantId, vault.Card(TestCards.Amex), null, null, None);
        await vault.SingleUse.CreateAsync(tenantId, vault.Card(TestCards.Discover), new Dictionary<string, string> { ["city"] = "Kuwait city" }, null, None);
        IdempotencyDecision decision = await vault.Idempotency.BeginAsync(tenantId, "k-" + Guid.NewGuid().ToString("N"), "POST /x", "{}"u8.ToArray(), None);
        await vault.Idempotency.CompleteAsync(tenantId, "k", ((IdempotencyDecision.Proceed)decision).ReservationId, 200, "{\"ok\":1}"u8.ToArray(), None);
        // Straight into the store: through SigningKeyService the key would also leave an audit entry, and these tests
        // assert that the rotation's entries are the tenant's only ones.
        TenantKeySet keys = await vault.Keyring.GetAsync(tenantId, None);
        Guid signingKeyId = Guid.NewGuid();
        DateTimeOffset now = vault.Time.GetUtcNowMilliseconds();
        var signingKey = new SigningKeyRecord(signingKeyId, tenantId, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            keys.Seal(RecordKind.SigningKeySecret, signingKeyId, RandomNumberGenerator.GetBytes(32)), 1, "rotation", true, false, [], 0, null, now);
        await vault.Store.CreateSigningKeyAsync(signingKey, Strongroom.Core.Events.VaultEvents.ApiKeyCreated(tenantId, signingKeyId.ToString(), SigningKeyService.SigningKeyKind, "rotation", now), None);
        return ids;
    }

    private static async Task AssertEverythingSealedUnderAsync(VaultHarness vault, Guid tenantId, int version)
    {
        TenantKeySet keys = await vault.Keyring.GetAsync(tenantId, None);
        int seen = 0;
        foreach (SealedColumn column in SealedColumns.All)
        {
            foreach (SealedValue value in await vault.Store.ListSealedAsync(column, tenantId, null, 10_000, None))
            {
                Assert.Equal(version, Envelope.ReadKeyVersion(value.Envelope));
                keys.Open(SealedColumns.KindOf(column), value.RecordId, value.Envelope); // decrypts under the new version
                seen++;
            }
        }

        Assert.True(seen > 0);
    }

    [SkippableFact]
    public async Task RotateDek_UnderConcurrentReadsAndWrites_EverythingEndsUnderTheNewVersion_OldRetired()
    {
        using VaultHarness vault = await NewVaultAsync();
        Tenant tenant = await vault.NewTenantAsync();
        List<Guid> ids = await FillEveryColumnAsync(vault, tenant.Id, 450);

        RotationJob job = await vault.KeyRotation.StartDekRotationAsync(tenant.Id, None);
        using var stop = new CancellationTokenSource();
        var written = new System.Collections.Concurrent.ConcurrentBag<Guid>();
        Task writer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                written.Add((await vault.Tokens.CreateAsync(tenant.Id, vault.Card(TestCards.Visa, "456"), TokenOptions.None, None)).Id);
            }
        });
        Task reader = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                Assert.NotNull(await vault.Tokens.GetAsync(tenant.Id, ids[Random.Shared.Next(ids.Count)], None));
            }
        });

        // A fast machine can finish a batch before the writer's first insert; holding each batch until the writer
        // has made progress guarantees that writes really interleave with the re-encryption.
        var interleaved = new Progress(_ =>
        {
            int before = written.Count;
            SpinWait.SpinUntil(() => written.Count > before || writer.IsCompleted, TimeSpan.FromSeconds(10));
        });
        RotationJob done = await vault.KeyRotation.RunDekRotationAsync(job, interleaved, None);
        await stop.CancelAsync();
        await Task.WhenAll(writer, reader);

        Assert.Equal(2, job.ToVersion);
        Assert.Equal(RotationJobStatus.Completed, done.Status);
        Assert.True(done.Reencrypted >= 455, $"re-encrypted {done.Reencrypted}");
        await AssertEverythingSealedUnderAsync(vault, tenant.Id, 2);
        Assert.Equal([2], (await vault.Store.GetTenantKeysAsync(tenant.Id, None)).Where(k => k.Purpose == TenantKeyPurpose.Data).Select(k => k.Version));
        foreach (Guid id in ids.Concat(written))
        {
            Assert.Equal("Rota Tion", (await vault.Tokens.GetAsync(tenant.Id, id, None))?.Card.CardholderName ?? "Rota Tion");
        }

        Assert.True(written.Count >= 2, $"only {written.Count} writes during the rotation");
        Assert.Equal(RotationJobStatus.Completed, (await vault.KeyRotation.ListJobsAsync(tenant.Id, None))[0].Status);
        Assert.Equal(["keys.dek_rotation_started", "keys.dek_rotation_completed"],
            (await vault.Audit.ListAsync(new Strongroom.Core.Audit.AuditQuery(TenantId: tenant.Id), None)).Select(e => e.Action));
    }

    [SkippableFact]
    public async Task RotateDek_KilledMidway_ResumesFromItsCursor_AndFinishes()
    {
        using VaultHarness vault = await NewVaultAsync();
        Tenant tenant = await vault.NewTenantAsync();
        await FillEveryColumnAsync(vault, tenant.Id, 650);
        RotationJob job = await vault.KeyRotation.StartDekRotationAsync(tenant.Id, None);

        using var kill = new CancellationTokenSource();
        var stopAfterTwoBatches = new Progress(p => { if (p.Done >= 2 * KeyRotationService.BatchSize) { kill.Cancel(); } });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => vault.KeyRotation.RunDekRotationAsync(job, stopAfterTwoBatches, kill.Token));

        RotationJob interrupted = (await vault.KeyRotation.ListJobsAsync(tenant.Id, None))[0];
        Assert.Equal(RotationJobStatus.Running, interrupted.Status);
        Assert.NotNull(interrupted.Cursor);
        Assert.InRange(interrupted.Reencrypted, 2 * KeyRotationService.BatchSize, 650);
        RotationJob resumed = await vault.KeyRotation.StartDekRotationAsync(tenant.Id, None);
        Assert.Equal(job.Id, resumed.Id); // no second new key version

        RotationJob done = await vault.KeyRotation.RunDekRotationAsync(resumed, null, None);

        Assert.Equal(RotationJobStatus.Completed, done.Status);
        Assert.True(done.Reencrypted >= 655, $"re-encrypted {done.Reencrypted}");
        Assert.Equal(["keys.dek_rotation_started", "keys.dek_rotation_resumed", "keys.dek_rotation_completed"],
            (await vault.Audit.ListAsync(new Strongroom.Core.Audit.AuditQuery(TenantId: tenant.Id), None)).Select(e => e.Action));
        await AssertEverythingSealedUnderAsync(vault, tenant.Id, 2);
        Assert.DoesNotContain(1, (await vault.Store.GetTenantKeysAsync(tenant.Id, None)).Where(k => k.Purpose == TenantKeyPurpose.Data).Select(k => k.Version));
    }

    [SkippableFact]
    public async Task RotateKek_RewrapsEveryTenantKey_DestroysTheOldVersion_DataStaysReadable()
    {
        using VaultHarness vault = await NewVaultAsync();
        Tenant a = await vault.NewTenantAsync();
        Tenant b = await vault.NewTenantAsync();
        PciToken token = await vault.Tokens.CreateAsync(b.Id, vault.Card(TestCards.Visa, null, "Kek Test"), TokenOptions.None, None);
        await vault.KeyRotation.StartDekRotationAsync(a.Id, None); // a tenant with two DEK versions

        KekRotation rotation = await vault.KeyRotation.RotateKekAsync(destroyOldVersions: true, null, None);

        Assert.Equal(2, rotation.NewVersion);
        Assert.Equal(5, rotation.KeysRewrapped); // a: 2 data + 1 fingerprint, b: 1 + 1
        Assert.Equal([1], rotation.DestroyedVersions);
        Assert.Equal([2], await vault.Store.ListKekVersionsInUseAsync(None));
        Assert.Equal([2], await vault.KeyProvider.ListKekVersionsAsync());
        vault.Keyring.Evict(b.Id);
        Assert.Equal("Kek Test", (await vault.Tokens.GetAsync(b.Id, token.Id, None))!.Card.CardholderName);
        IReadOnlyList<Strongroom.Core.Audit.AuditEntry> audit = await vault.Audit.ListAsync(new Strongroom.Core.Audit.AuditQuery(), None);
        Assert.Contains(audit, e => e.Action == "keys.kek_version_destroyed" && e.Target == "kek:1" && e.Actor == KeyRotationService.OperatorActor);
        Assert.Contains(audit, e => e.Action == "keys.kek_rotated" && e.Target == "kek:2");
    }

    [SkippableFact]
    public async Task ShredTenant_DeletesItsData_AndItsKeysInABackupCanNoLongerBeUnwrapped()
    {
        using VaultHarness vault = await NewVaultAsync();
        Tenant doomed = await vault.NewTenantAsync();
        Tenant survivor = await vault.NewTenantAsync();
        PciToken doomedToken = await vault.Tokens.CreateAsync(doomed.Id, vault.Card(TestCards.Visa, "123"), TokenOptions.None, None);
        PciToken kept = await vault.Tokens.CreateAsync(survivor.Id, vault.Card(TestCards.Mastercard, null, "Still Here"), TokenOptions.None, None);

        // What a backup taken now holds for the doomed tenant: its wrapped keys and a sealed token.
        IReadOnlyList<TenantKeyRecord> backupKeys = await vault.Store.GetTenantKeysAsync(doomed.Id, None);
        PciTokenRecord backupToken = (await vault.Store.GetPciTokenAsync(doomed.Id, doomedToken.Id, vault.Time.GetUtcNow(), None))!;
        Assert.NotEmpty(await vault.KeyProvider.UnwrapAsync(
            new WrappedKey(backupKeys[0].Provider, backupKeys[0].KekVersion, backupKeys[0].Wrapped),
            TenantKeyContext.Create(doomed.Id, backupKeys[0].Purpose, backupKeys[0].Version))); // readable before

        Assert.True(await vault.KeyRotation.ShredTenantAsync(doomed.Id, None));

        Assert.Null(await vault.Store.GetTenantAsync(doomed.Id, None));
        Assert.Empty(await vault.Store.GetTenantKeysAsync(doomed.Id, None));
        Assert.Null(await vault.Store.GetPciTokenAsync(doomed.Id, doomedToken.Id, vault.Time.GetUtcNow(), None));
        Assert.Null(vault.SecurityCodes.Read(doomed.Id, doomedToken.Id));
        foreach (TenantKeyRecord key in backupKeys)
        {
            await Assert.ThrowsAnyAsync<CryptographicException>(async () => await vault.KeyProvider.UnwrapAsync(
                new WrappedKey(key.Provider, key.KekVersion, key.Wrapped), TenantKeyContext.Create(doomed.Id, key.Purpose, key.Version)));
        }

        Assert.NotEmpty(backupToken.Ciphertext); // the backup still has ciphertext, but nothing can open it any more
        vault.Keyring.Evict(survivor.Id);
        Assert.Equal("Still Here", (await vault.Tokens.GetAsync(survivor.Id, kept.Id, None))!.Card.CardholderName);
        Assert.False(await vault.KeyRotation.ShredTenantAsync(doomed.Id, None));
        IReadOnlyList<Strongroom.Core.Audit.AuditEntry> audit = await vault.Audit.ListAsync(new Strongroom.Core.Audit.AuditQuery(), None);
        Assert.Contains(audit, e => e.Action == "tenant.shredded" && e.TenantId == doomed.Id);
        Assert.Contains(audit, e => e.Action == "keys.kek_rotated" && e.DetailsJson.Contains("\"destroyed_versions\":\"1\"", StringComparison.Ordinal));
        Assert.True((await vault.Audit.VerifyAsync(None)).Intact);
    }

    /// <summary>
    /// A DEK rotation only re-encrypts the columns <see cref="SealedColumns"/> names: every binary column of the schema
    /// must be there or be known not to hold DEK ciphertext, so a new sealed column cannot be forgotten.
    /// </summary>
    [SkippableFact]
    public async Task SealedColumns_CoverEveryBinaryColumnThatHoldsDekCiphertext()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        string[] notUnderADek =
        [
            "tenant_keys.wrapped",                           // wrapped by the KEK, re-wrapped by a KEK rotation
            "pci_tokens.fingerprint", "card_tokens.fingerprint", "network_tokens.fingerprint", "single_use_tokens.fingerprint", // HMACs
            "idempotency_keys.request_digest",               // HMAC
            "network_token_cryptograms.reference_digest",    // HMAC
            "audit_log.prev_hash", "audit_log.hash", "audit_log.seal", // chain hashes and seals
        ];
        var sealedColumns = SealedColumns.All.Select(c => SealedColumns.Location(c)).Select(l => $"{l.Table}.{l.Column}").ToHashSet(StringComparer.Ordinal);

        IReadOnlyList<string> binary = await fixture.Database.ListBinaryColumnsAsync();

        Assert.NotEmpty(binary);
        Assert.All(binary, column => Assert.True(sealedColumns.Contains(column) || notUnderADek.Contains(column), $"{column} is neither a sealed column nor known to hold no DEK ciphertext"));
        Assert.All(sealedColumns, column => Assert.Contains(column, binary));
    }

    private sealed class Progress(Action<KeyProgress> report) : IProgress<KeyProgress>
    {
        public void Report(KeyProgress value) => report(value);
    }
}

public sealed class SqliteKeyRotationTests(SqliteStoreFixture fixture) : KeyRotationContract(fixture), IClassFixture<SqliteStoreFixture>;

public sealed class PostgresKeyRotationTests(PostgresStoreFixture fixture) : KeyRotationContract(fixture), IClassFixture<PostgresStoreFixture>;
