using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Strongroom.Core.Crypto;
using Strongroom.Core.Tenancy;

namespace Strongroom.Core.Audit;

/// <summary>What <see cref="AuditLog.VerifyAsync"/> found: how many entries it checked, and the first break in the chain, if any.</summary>
public sealed record AuditVerification(long Checked, long Sealed, long? BrokenAtSeq, string? Problem)
{
    public bool Intact => BrokenAtSeq is null;
}

/// <summary>
/// The append-only, hash-chained audit log. Each entry's hash covers the previous entry's hash and its own canonical
/// bytes, so changing, deleting or reordering an entry breaks every later link; every <see cref="SealInterval"/>th
/// entry and the head (stored as a sealed setting, so truncating the tail is caught too) carry an HMAC under the key
/// provider's audit key, which someone editing the database does not have. Details never hold card data.
/// </summary>
public sealed partial class AuditLog(IAuditStore auditStore, ISettingsStore settingsStore, IKeyProvider keyProvider, TimeProvider time, ILogger<AuditLog> logger) : IDisposable
{
    public const int SealInterval = 16;

    /// <summary>The setting holding the sealed head: <c>seq:hash-hex:seal-hex</c>.</summary>
    public const string HeadSetting = "audit.head";

    private const int MaxAppendAttempts = 50;

    /// <summary>How many times verification reads the head while entries past it are not yet covered (appends between their insert and their head update).</summary>
    private const int HeadSettleRounds = 5;

    private static readonly byte[] Genesis = new byte[32];

    // Seal domains: an entry's seal and the head's seal over the same (seq, hash) must differ, or the seal stored
    // with entry 16k would double as a valid head for a log truncated to 16k entries.
    private static readonly byte[] EntrySealLabel = "audit-seal"u8.ToArray();
    private static readonly byte[] HeadSealLabel = "audit-head"u8.ToArray();

    // Appends within this process take turns (no lost-race retries); other processes still race on the sequence number.
    private readonly SemaphoreSlim _appendGate = new(1, 1);

    /// <summary>
    /// Appends an entry. Writers in this process are serialised; writers in other processes (nodes, the CLI) are
    /// serialised by the unique sequence number: the loser re-reads the tail and retries after a short random pause.
    /// </summary>
    public async Task<AuditEntry> AppendAsync(string actor, string action, Guid? tenantId, string? target, IReadOnlyDictionary<string, string>? details, CancellationToken cancellationToken)
    {
        string detailsJson = JsonSerializer.Serialize(details ?? new Dictionary<string, string>(), CoreJson.Default.IReadOnlyDictionaryStringString);
        await _appendGate.WaitAsync(cancellationToken);
        try
        {
            for (int attempt = 1; ; attempt++)
            {
                AuditEntry? last = await auditStore.GetLastAuditEntryAsync(cancellationToken);
                long seq = (last?.Seq ?? 0) + 1;
                byte[] previous = last?.Hash ?? Genesis;
                var entry = new AuditEntry(seq, Guid.CreateVersion7(time.GetUtcNow()), time.GetUtcNowMilliseconds(), actor, action, tenantId, target, detailsJson, previous, [], null);
                byte[] hash = Hash(entry);
                byte[]? seal = seq % SealInterval == 0 ? await keyProvider.AuditSealAsync(SealInput(EntrySealLabel, seq, hash), cancellationToken) : null;
                entry = entry with { Hash = hash, Seal = seal };
                if (await auditStore.TryAppendAuditEntryAsync(entry, cancellationToken))
                {
                    await StoreHeadAsync(entry, cancellationToken);
                    return entry;
                }

                if (attempt >= MaxAppendAttempts)
                {
                    throw new InvalidOperationException("Could not append to the audit log: too much contention.");
                }

#pragma warning disable CA5394 // Jitter, not security.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 + attempt)), TimeProvider.System, cancellationToken);
#pragma warning restore CA5394
            }
        }
        finally
        {
            _appendGate.Release();
        }
    }

    /// <summary>
    /// Records what <paramref name="actor"/> did, after the change itself succeeded; details with a null value are left
    /// out. Not the caller's cancellation token: the change has happened, and its record must not be lost to a client
    /// that hung up. A failed append throws, so the caller's response (a cryptogram above all) never leaves without it.
    /// </summary>
    public Task<AuditEntry> RecordAsync(Actor actor, string action, Guid? tenantId, string? target, params (string Key, string? Value)[] details)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string key, string? value) in details)
        {
            if (value is not null)
            {
                map[key] = value;
            }
        }

        return AppendAsync(actor.Name, action, tenantId, target, map, CancellationToken.None);
    }

    public void Dispose() => _appendGate.Dispose();

    public Task<IReadOnlyList<AuditEntry>> ListAsync(AuditQuery query, CancellationToken cancellationToken) => auditStore.ListAuditEntriesAsync(query, cancellationToken);

    /// <summary>
    /// Walks the whole chain from the first entry (sequence, links, hashes, seals) and checks that a sealed head covers
    /// it. Appends may run meanwhile, so the head is read before each walk (an entry is always stored before the head
    /// naming it: a head beyond the walk's end means entries were removed) and entries past the head are re-checked
    /// against a head read later (an append between its insert and its head update); only entries that no later head
    /// covers are reported. Entries first seen after the previous walk ended are newer than the verification itself.
    /// </summary>
    public async Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken)
    {
        var walk = new ChainWalk();
        long mustCover = 0;
        for (int round = 1; ; round++)
        {
            string? head = await settingsStore.GetSettingAsync(HeadSetting, cancellationToken);
            if (await WalkAsync(walk, cancellationToken) is { } broken)
            {
                return broken;
            }

            long lastSeq = walk.NextSeq - 1;
            (long headSeq, byte[] headHash, bool headValid) = head is null ? (0, Genesis, true) : await ReadHeadAsync(head, cancellationToken);
            if (!headValid)
            {
                return new(lastSeq, walk.Sealed, lastSeq + 1, "The sealed head is malformed or its seal is forged.");
            }

            if (headSeq > lastSeq)
            {
                return new(lastSeq, walk.Sealed, lastSeq + 1, $"The sealed head names entry {headSeq} but the log ends at entry {lastSeq} (entries were removed from the end).");
            }

            byte[] hashAtHead = headSeq == lastSeq ? walk.Previous
                : headSeq == 0 ? Genesis
                : (await auditStore.ListAuditEntriesAsync(new AuditQuery(AfterSeq: headSeq - 1, Limit: 1), cancellationToken))[0].Hash;
            if (!CryptographicOperations.FixedTimeEquals(headHash, hashAtHead))
            {
                return new(headSeq - 1, walk.Sealed, headSeq, $"Entry {headSeq} does not match the sealed head (the chain was rebuilt without the audit key).");
            }

            // Intact when this head covers every entry seen before it was read (on the first round: every entry there is).
            if (headSeq == lastSeq || (round > 1 && headSeq >= mustCover))
            {
                return new(lastSeq, walk.Sealed, null, null);
            }

            if (round == HeadSettleRounds)
            {
                return new(lastSeq, walk.Sealed, headSeq + 1, head is null
                    ? "The sealed head is missing (it was deleted, or the entries were written without the audit key)."
                    : $"Entries after {headSeq} are not covered by the sealed head (appended without the audit key, the head was rolled back, or a writer crashed before updating it).");
            }

            mustCover = lastSeq;
            await Task.Delay(TimeSpan.FromMilliseconds(20 * round), TimeProvider.System, cancellationToken);
        }
    }

    /// <summary>Verifies entries from <see cref="ChainWalk.NextSeq"/> to the current end; the first break, or null.</summary>
    private async Task<AuditVerification?> WalkAsync(ChainWalk walk, CancellationToken cancellationToken)
    {
        while (true)
        {
            IReadOnlyList<AuditEntry> batch = await auditStore.ListAuditEntriesAsync(new AuditQuery(AfterSeq: walk.NextSeq - 1, Limit: 1000), cancellationToken);
            foreach (AuditEntry entry in batch)
            {
                long ok = walk.NextSeq - 1;
                if (entry.Seq != walk.NextSeq)
                {
                    return new(ok, walk.Sealed, walk.NextSeq, $"Entry {walk.NextSeq} is missing (next is {entry.Seq}).");
                }

                if (!CryptographicOperations.FixedTimeEquals(entry.PreviousHash, walk.Previous))
                {
                    return new(ok, walk.Sealed, entry.Seq, $"Entry {entry.Seq} does not link to entry {entry.Seq - 1} (deleted, reordered or altered).");
                }

                if (!CryptographicOperations.FixedTimeEquals(Hash(entry), entry.Hash))
                {
                    return new(ok, walk.Sealed, entry.Seq, $"Entry {entry.Seq} was altered (its hash does not match its contents).");
                }

                if (entry.Seq % SealInterval == 0)
                {
                    if (entry.Seal is null || !CryptographicOperations.FixedTimeEquals(await keyProvider.AuditSealAsync(SealInput(EntrySealLabel, entry.Seq, entry.Hash), cancellationToken), entry.Seal))
                    {
                        return new(ok, walk.Sealed, entry.Seq, $"Entry {entry.Seq} has a missing or forged seal (the chain was rebuilt without the audit key).");
                    }

                    walk.Sealed++;
                }

                walk.Previous = entry.Hash;
                walk.NextSeq++;
            }

            if (batch.Count < 1000)
            {
                return null;
            }
        }
    }

    /// <summary>Parses <c>seq:hash-hex:seal-hex</c> and checks the seal.</summary>
    private async Task<(long Seq, byte[] Hash, bool Valid)> ReadHeadAsync(string head, CancellationToken cancellationToken)
    {
        string[] parts = head.Split(':');
        if (parts.Length != 3 || !long.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long seq))
        {
            return (0, Genesis, false);
        }

        byte[] hash;
        byte[] seal;
        try
        {
            hash = Convert.FromHexString(parts[1]);
            seal = Convert.FromHexString(parts[2]);
        }
        catch (FormatException)
        {
            return (0, Genesis, false);
        }

        bool valid = CryptographicOperations.FixedTimeEquals(await keyProvider.AuditSealAsync(SealInput(HeadSealLabel, seq, hash), cancellationToken), seal);
        return (seq, hash, valid);
    }

    /// <summary>
    /// The head only moves forward: a writer that lost a race to a later entry leaves it alone. A crash between the
    /// append and this update leaves the head one entry behind, which verification reports; the next append heals it.
    /// </summary>
    private async Task StoreHeadAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        byte[] seal = await keyProvider.AuditSealAsync(SealInput(HeadSealLabel, entry.Seq, entry.Hash), cancellationToken);
        string value = $"{entry.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture)}:{Convert.ToHexString(entry.Hash)}:{Convert.ToHexString(seal)}";
        await settingsStore.SetSettingIfNewerAsync(HeadSetting, value, entry.Seq, cancellationToken);
        LogAppended(logger, entry.Seq, entry.Action);
    }

    /// <summary>SHA-256 over the previous hash and the entry's fields, each length-prefixed so no two entries encode alike.</summary>
    internal static byte[] Hash(AuditEntry entry)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(entry.PreviousHash);
        Span<byte> number = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(number, entry.Seq);
        hash.AppendData(number);
        BinaryPrimitives.WriteInt64BigEndian(number, entry.At.ToUnixTimeMilliseconds());
        hash.AppendData(number);
        Span<byte> id = stackalloc byte[16];
        entry.Id.TryWriteBytes(id, bigEndian: true, out _);
        hash.AppendData(id);
        foreach (string? field in new[] { entry.Actor, entry.Action, entry.TenantId?.ToString(), entry.Target, entry.DetailsJson })
        {
            byte[] bytes = field is null ? [] : Encoding.UTF8.GetBytes(field);
            BinaryPrimitives.WriteInt32BigEndian(number, field is null ? -1 : bytes.Length);
            hash.AppendData(number[..4]);
            hash.AppendData(bytes);
        }

        return hash.GetHashAndReset();
    }

    private static byte[] SealInput(byte[] label, long seq, byte[] hash)
    {
        var input = new byte[8 + hash.Length + label.Length];
        BinaryPrimitives.WriteInt64BigEndian(input, seq);
        hash.CopyTo(input, 8);
        label.CopyTo(input, 8 + hash.Length);
        return input;
    }

    /// <summary>Where <see cref="VerifyAsync"/> has got to: the next sequence number expected and the hash it must link to.</summary>
    private sealed class ChainWalk
    {
        public long NextSeq { get; set; } = 1;

        public byte[] Previous { get; set; } = Genesis;

        public long Sealed { get; set; }
    }

    [LoggerMessage(EventId = 2401, Level = LogLevel.Debug, Message = "Audit entry {Seq}: {Action}")]
    private static partial void LogAppended(ILogger logger, long seq, string action);
}
