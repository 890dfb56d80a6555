using Microsoft.Extensions.Logging;
using Strongroom.Core.Audit;
using Strongroom.Core.Crypto;
using Strongroom.Core.SecurityCodes;
using Strongroom.Core.Tenancy;

namespace Strongroom.Core.Keys;

/// <summary>Progress of a long key operation: <paramref name="Done"/> of <paramref name="Total"/> items.</summary>
public readonly record struct KeyProgress(long Done, long Total);

/// <summary>The outcome of a KEK rotation.</summary>
public sealed record KekRotation(int NewVersion, int KeysRewrapped, IReadOnlyList<int> DestroyedVersions);

/// <summary>
/// Online key rotation. <b>KEK</b>: a new version is made current in the provider and every tenant key is
/// re-wrapped under it (the DEKs themselves do not change, so nodes serving with unwrapped keys are unaffected);
/// old versions can then be destroyed. <b>DEK</b>: a tenant gets a new data-key version for new writes, and a
/// resumable job re-encrypts every sealed value in batches (compare-and-set, so concurrent writes win), waits until
/// no node can still hold the old version as current, verifies nothing is left under an older version, and
/// retires the old versions. <b>Shredding</b>: deleting a tenant removes its rows and keys, then rotates the KEK and
/// destroys the old versions, so a backup's copy of the tenant's wrapped DEK can no longer be unwrapped.
/// </summary>
public sealed partial class KeyRotationService(
    IKeyRotationStore keyRotationStore, ITenantStore tenantStore,
    IKeyProvider keyProvider,
    TenantKeyring keyring,
    ISecurityCodeStore securityCodes,
    CredentialCache credentials,
    AuditLog audit,
    TimeProvider time,
    ILogger<KeyRotationService> logger,
    IEnumerable<IKekWrappedKeyHolder>? wrappedKeyHolders = null)
{
    public const int BatchSize = 200;

    /// <summary>Who key operations are recorded as in the audit log unless another actor is given (the CLI runs as the operator).</summary>
    public const string OperatorActor = Actor.OperatorName;

    public async Task<KekRotation> RotateKekAsync(bool destroyOldVersions, IProgress<KeyProgress>? progress, CancellationToken cancellationToken, Actor? actor = null)
    {
        int newVersion = await keyProvider.CreateKekVersionAsync(cancellationToken);
        int rewrapped = 0;

        // A node may create a tenant (wrapping under the old version) while this runs: sweep until nothing is left behind.
        for (int pass = 0; pass < 5; pass++)
        {
            IReadOnlyList<Tenant> tenants = await tenantStore.ListTenantsAsync(cancellationToken);
            for (int i = 0; i < tenants.Count; i++)
            {
                rewrapped += await keyring.RewrapAsync(tenants[i].Id, newVersion, cancellationToken);
                progress?.Report(new KeyProgress(i + 1, tenants.Count));
            }

            if ((await tenantStore.ListKekVersionsInUseAsync(cancellationToken)).All(v => v == newVersion))
            {
                break;
            }
        }

        // Keys kept outside the store (the shared Redis key): re-wrapped before anything is destroyed; a failure stops here.
        foreach (IKekWrappedKeyHolder holder in wrappedKeyHolders ?? [])
        {
            rewrapped += await holder.RewrapAsync(newVersion, cancellationToken);
        }

        var destroyed = new List<int>();
        if (destroyOldVersions)
        {
            IReadOnlyList<int> inUse = await tenantStore.ListKekVersionsInUseAsync(cancellationToken);
            foreach (int version in await keyProvider.ListKekVersionsAsync(cancellationToken))
            {
                if (version < newVersion && !inUse.Contains(version))
                {
                    await keyProvider.DestroyKekVersionAsync(version, cancellationToken);
                    destroyed.Add(version);

                    // Irreversible, so each destruction has an entry of its own (the rotation's entry lists them again).
                    await audit.AppendAsync(ActorName(actor), AuditActions.KekVersionDestroyed, null, $"kek:{version.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
                        new Dictionary<string, string> { ["provider"] = keyProvider.Name }, cancellationToken);
                }
            }
        }

        LogKekRotated(logger, newVersion, rewrapped, destroyed.Count);
        await audit.AppendAsync(ActorName(actor), AuditActions.KekRotated, null, $"kek:{newVersion}", new Dictionary<string, string>
        {
            ["provider"] = keyProvider.Name,
            ["keys_rewrapped"] = rewrapped.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["destroyed_versions"] = string.Join(',', destroyed),
        }, cancellationToken);
        return new KekRotation(newVersion, rewrapped, destroyed);
    }

    /// <summary>Starts a DEK rotation for the tenant, or returns its unfinished one (to resume).</summary>
    public async Task<RotationJob> StartDekRotationAsync(Guid tenantId, CancellationToken cancellationToken, Actor? actor = null)
    {
        RotationJob? running = (await keyRotationStore.ListRotationJobsAsync(tenantId, cancellationToken)).FirstOrDefault(j => j.Status == RotationJobStatus.Running);
        if (running is not null)
        {
            await audit.AppendAsync(ActorName(actor), AuditActions.DekRotationResumed, tenantId, $"job:{running.Id}", new Dictionary<string, string>
            {
                ["to_version"] = running.ToVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["reencrypted"] = running.Reencrypted.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }, cancellationToken);
            return running;
        }

        int version = await keyring.AddDataKeyVersionAsync(tenantId, cancellationToken);
        DateTimeOffset now = time.GetUtcNowMilliseconds();
        var job = new RotationJob(Guid.CreateVersion7(now), tenantId, version, RotationJobStatus.Running, 0, null, 0, now, now);
        await keyRotationStore.InsertRotationJobAsync(job, cancellationToken);
        LogDekRotationStarted(logger, tenantId, version);
        await audit.AppendAsync(ActorName(actor), AuditActions.DekRotationStarted, tenantId, $"job:{job.Id}", new Dictionary<string, string> { ["to_version"] = version.ToString(System.Globalization.CultureInfo.InvariantCulture) }, cancellationToken);
        return job;
    }

    /// <summary>
    /// Runs (or resumes) a DEK rotation job to the end: re-encrypts, waits out the key-cache TTL so no node still seals
    /// with an older version, re-checks every column, and retires the older data keys. Cancel it at any point; running
    /// it again continues from the last finished batch.
    /// </summary>
    public async Task<RotationJob> RunDekRotationAsync(RotationJob job, IProgress<KeyProgress>? progress, CancellationToken cancellationToken, Actor? actor = null)
    {
        if (job.Status == RotationJobStatus.Completed)
        {
            return job;
        }

        long total = 0;
        foreach (SealedColumn column in SealedColumns.All)
        {
            total += await keyRotationStore.CountSealedAsync(column, job.TenantId, cancellationToken);
        }

        job = await ReencryptAllAsync(job, total, progress, cancellationToken);

        // Until every node has re-read the tenant's keys, one may still seal new values with the old version.
        TimeSpan wait = job.CreatedAt + keyring.CacheTtl - time.GetUtcNow();
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, cancellationToken);
        }

        // Final pass from the start: picks up anything written under an old version meanwhile.
        job = await ReencryptAllAsync(job with { Stage = 0, Cursor = null }, total, progress, cancellationToken);
        int remaining = await CountUnderOlderVersionsAsync(job, cancellationToken);
        if (remaining > 0)
        {
            await audit.AppendAsync(ActorName(actor), AuditActions.DekRotationFailed, job.TenantId, $"job:{job.Id}", new Dictionary<string, string>
            {
                ["to_version"] = job.ToVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["remaining"] = remaining.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }, cancellationToken);
            throw new InvalidOperationException($"{remaining} value(s) are still sealed under an older key version; run the rotation again.");
        }

        // Signing-key secrets were re-sealed: nodes re-read those records rather than open their cached copies under a retiring version.
        await credentials.AnnounceAsync(CredentialChange.Tenant(job.TenantId), cancellationToken);
        int retired = await tenantStore.DeleteTenantKeysBelowAsync(job.TenantId, TenantKeyPurpose.Data, job.ToVersion, cancellationToken);
        keyring.Evict(job.TenantId);
        DateTimeOffset now = time.GetUtcNowMilliseconds();
        job = job with { Status = RotationJobStatus.Completed, UpdatedAt = now, CompletedAt = now };
        await keyRotationStore.UpdateRotationJobAsync(job, cancellationToken);
        LogDekRotationCompleted(logger, job.TenantId, job.ToVersion, job.Reencrypted, retired);
        await audit.AppendAsync(ActorName(actor), AuditActions.DekRotationCompleted, job.TenantId, $"job:{job.Id}", new Dictionary<string, string>
        {
            ["to_version"] = job.ToVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["reencrypted"] = job.Reencrypted.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["retired_keys"] = retired.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, cancellationToken);
        return job;
    }

    public Task<IReadOnlyList<RotationJob>> ListJobsAsync(Guid? tenantId, CancellationToken cancellationToken) => keyRotationStore.ListRotationJobsAsync(tenantId, cancellationToken);

    /// <summary>
    /// Crypto-shreds a tenant: deletes it with everything it owns, then rotates the KEK and destroys every older
    /// version, so its wrapped DEK in any backup is unreadable. False when there is no such tenant.
    /// </summary>
    public async Task<bool> ShredTenantAsync(Guid tenantId, CancellationToken cancellationToken, Actor? actor = null)
    {
        if ((await tenantStore.ListSubAccountsAsync(tenantId, cancellationToken)).Count > 0)
        {
            throw new InvalidOperationException("The account has sub-accounts; delete them first.");
        }

        if (!await tenantStore.DeleteTenantAsync(tenantId, cancellationToken))
        {
            return false;
        }

        keyring.Evict(tenantId);
        securityCodes.RemoveTenant(tenantId);

        // Its API keys and signing keys went with it: every node forgets them now (the store's NOTIFY or Redis), not after the cache lifetime.
        await credentials.AnnounceAsync(CredentialChange.Tenant(tenantId), cancellationToken);
        await audit.AppendAsync(ActorName(actor), AuditActions.TenantShredded, tenantId, $"tenant:{tenantId}", null, cancellationToken);
        KekRotation rotation = await RotateKekAsync(destroyOldVersions: true, progress: null, cancellationToken, actor);
        LogShredded(logger, tenantId, rotation.NewVersion);
        return true;
    }

    private static string ActorName(Actor? actor) => (actor ?? Actor.Operator).Name;

    private async Task<RotationJob> ReencryptAllAsync(RotationJob job, long total, IProgress<KeyProgress>? progress, CancellationToken cancellationToken)
    {
        for (int stage = job.Stage; stage < SealedColumns.All.Count; stage++)
        {
            SealedColumn column = SealedColumns.All[stage];
            RecordKind kind = SealedColumns.KindOf(column);
            Guid? cursor = stage == job.Stage ? job.Cursor : null;
            while (true)
            {
                IReadOnlyList<SealedValue> batch = await keyRotationStore.ListSealedAsync(column, job.TenantId, cursor, BatchSize, cancellationToken);
                if (batch.Count == 0)
                {
                    break;
                }

                TenantKeySet keys = await keyring.GetAsync(job.TenantId, cancellationToken);
                if (keys.CurrentDataKeyVersion != job.ToVersion)
                {
                    keyring.Evict(job.TenantId);
                    keys = await keyring.GetAsync(job.TenantId, cancellationToken);
                }

                long reencrypted = 0;
                foreach (SealedValue value in batch)
                {
                    if (Envelope.ReadKeyVersion(value.Envelope) == job.ToVersion)
                    {
                        continue;
                    }

                    // A value this process has no key for yet (e.g. sealed by a node under a version added by another rotation run) re-reads the keys.
                    byte[] plaintext = keys.HasDataKey(Envelope.ReadKeyVersion(value.Envelope))
                        ? keys.Open(kind, value.RecordId, value.Envelope)
                        : await keyring.OpenAsync(job.TenantId, kind, value.RecordId, value.Envelope, cancellationToken);
                    try
                    {
                        // Lost compare-and-set: the value was rewritten (already under the new key) or deleted meanwhile.
                        if (await keyRotationStore.ReplaceSealedAsync(column, job.TenantId, value.RecordId, value.Envelope, keys.Seal(kind, value.RecordId, plaintext), cancellationToken))
                        {
                            reencrypted++;
                        }
                    }
                    finally
                    {
                        System.Security.Cryptography.CryptographicOperations.ZeroMemory(plaintext);
                    }
                }

                cursor = batch[^1].RecordId;
                job = job with { Stage = stage, Cursor = cursor, Reencrypted = job.Reencrypted + reencrypted, UpdatedAt = time.GetUtcNowMilliseconds() };
                await keyRotationStore.UpdateRotationJobAsync(job, cancellationToken);
                progress?.Report(new KeyProgress(Math.Min(job.Reencrypted, total), total));
            }

            job = job with { Stage = stage + 1, Cursor = null };
        }

        await keyRotationStore.UpdateRotationJobAsync(job, cancellationToken);
        return job;
    }

    private async Task<int> CountUnderOlderVersionsAsync(RotationJob job, CancellationToken cancellationToken)
    {
        int count = 0;
        foreach (SealedColumn column in SealedColumns.All)
        {
            Guid? cursor = null;
            while (true)
            {
                IReadOnlyList<SealedValue> batch = await keyRotationStore.ListSealedAsync(column, job.TenantId, cursor, 1000, cancellationToken);
                count += batch.Count(v => Envelope.ReadKeyVersion(v.Envelope) != job.ToVersion);
                if (batch.Count < 1000)
                {
                    break;
                }

                cursor = batch[^1].RecordId;
            }
        }

        return count;
    }

    [LoggerMessage(EventId = 2501, Level = LogLevel.Warning, Message = "Rotated the KEK to version {Version}: {Rewrapped} tenant key(s) re-wrapped, {Destroyed} old version(s) destroyed")]
    private static partial void LogKekRotated(ILogger logger, int version, int rewrapped, int destroyed);

    [LoggerMessage(EventId = 2502, Level = LogLevel.Warning, Message = "Started DEK rotation of tenant {TenantId} to version {Version}")]
    private static partial void LogDekRotationStarted(ILogger logger, Guid tenantId, int version);

    [LoggerMessage(EventId = 2503, Level = LogLevel.Warning, Message = "Completed DEK rotation of tenant {TenantId} to version {Version}: {Reencrypted} value(s) re-encrypted, {Retired} old key(s) retired")]
    private static partial void LogDekRotationCompleted(ILogger logger, Guid tenantId, int version, long reencrypted, int retired);

    [LoggerMessage(EventId = 2504, Level = LogLevel.Warning, Message = "Shredded tenant {TenantId}: data deleted, KEK rotated to version {Version} and older versions destroyed")]
    private static partial void LogShredded(ILogger logger, Guid tenantId, int version);
}
