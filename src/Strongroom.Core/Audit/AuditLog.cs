using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Strongroom.Core.Crypto;
using Strongroom.Core.Storage;

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
public sealed partial class AuditLog(IVaultStore store, IKeyProvider keyProvider, TimeProvider time, ILogger<AuditLog> logger)
{
    public const int SealInterval = 16;

    /// <summary>The setting holding the sealed head: <c>seq:hash-hex:seal-hex</c>.</summary>
    public const string HeadSetting = "audit.head";

    private static readonly byte[] Genesis = new byte[32];

    /// <summary>Appends an entry; concurrent writers are serialised by the unique sequence number (the loser retries).</summary>
    public async Task<AuditEntry> AppendAsync(string actor, string action, Guid? tenantId, string? target, IReadOnlyDictionary<string, string>? details, CancellationToken cancellationToken)
    {
        string detailsJson = JsonSerializer.Serialize(details ?? new Dictionary<string, string>(), CoreJson.Default.IReadOnlyDictionaryStringString);
        for (int attempt = 0; ; attempt++)
        {
            AuditEntry? last = await store.GetLastAuditEntryAsync(cancellationToken);
            long seq = (last?.Seq ?? 0) + 1;
            byte[] previous = last?.Hash ?? Genesis;
            var entry = new AuditEntry(seq, Guid.CreateVersion7(time.GetUtcNow()), time.GetUtcNowMilliseconds(), actor, action, tenantId, target, detailsJson, previous, [], null);
            byte[] hash = Hash(entry);
            byte[]? seal = seq % SealInterval == 0 ? await keyProvider.AuditSealAsync(SealInput(seq, hash), cancellationToken) : null;
            entry = entry with { Hash = hash, Seal = seal };
            if (await store.TryAppendAuditEntryAsync(entry, cancellationToken))
            {
                await StoreHeadAsync(entry, cancellationToken);
                return entry;
            }

            if (attempt >= 50)
            {
                throw new InvalidOperationException("Could not append to the audit log: too much contention.");
            }
        }
    }

    public Task<IReadOnlyList<AuditEntry>> ListAsync(AuditQuery query, CancellationToken cancellationToken) => store.ListAuditEntriesAsync(query, cancellationToken);

    /// <summary>Walks the whole chain from the first entry: sequence, links, hashes, seals, and the sealed head.</summary>
    public async Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken)
    {
        byte[] previous = Genesis;
        long expectedSeq = 1;
        long sealedCount = 0;
        while (true)
        {
            IReadOnlyList<AuditEntry> batch = await store.ListAuditEntriesAsync(new AuditQuery(AfterSeq: expectedSeq - 1, Limit: 1000), cancellationToken);
            foreach (AuditEntry entry in batch)
            {
                if (entry.Seq != expectedSeq)
                {
                    return new(expectedSeq - 1, sealedCount, expectedSeq, $"Entry {expectedSeq} is missing (next is {entry.Seq}).");
                }

                if (!CryptographicOperations.FixedTimeEquals(entry.PreviousHash, previous))
                {
                    return new(expectedSeq - 1, sealedCount, entry.Seq, $"Entry {entry.Seq} does not link to entry {entry.Seq - 1} (deleted, reordered or altered).");
                }

                if (!CryptographicOperations.FixedTimeEquals(Hash(entry), entry.Hash))
                {
                    return new(expectedSeq - 1, sealedCount, entry.Seq, $"Entry {entry.Seq} was altered (its hash does not match its contents).");
                }

                if (entry.Seq % SealInterval == 0)
                {
                    if (entry.Seal is null || !CryptographicOperations.FixedTimeEquals(await keyProvider.AuditSealAsync(SealInput(entry.Seq, entry.Hash), cancellationToken), entry.Seal))
                    {
                        return new(expectedSeq - 1, sealedCount, entry.Seq, $"Entry {entry.Seq} has a missing or forged seal (the chain was rebuilt without the audit key).");
                    }

                    sealedCount++;
                }

                previous = entry.Hash;
                expectedSeq++;
            }

            if (batch.Count < 1000)
            {
                break;
            }
        }

        long lastSeq = expectedSeq - 1;
        string? head = await store.GetSettingAsync(HeadSetting, cancellationToken);
        if (lastSeq == 0 && head is null)
        {
            return new(0, 0, null, null);
        }

        if (head is null || !await HeadMatchesAsync(head, lastSeq, previous, cancellationToken))
        {
            return new(lastSeq, sealedCount, lastSeq + 1, "The sealed head does not match the last entry (entries were removed from the end, or the head was forged).");
        }

        return new(lastSeq, sealedCount, null, null);
    }

    private async Task<bool> HeadMatchesAsync(string head, long lastSeq, byte[] lastHash, CancellationToken cancellationToken)
    {
        string[] parts = head.Split(':');
        if (parts.Length != 3 || !long.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out long seq) || seq != lastSeq)
        {
            return false;
        }

        byte[] hash = Convert.FromHexString(parts[1]);
        byte[] seal = Convert.FromHexString(parts[2]);
        return CryptographicOperations.FixedTimeEquals(hash, lastHash)
            && CryptographicOperations.FixedTimeEquals(await keyProvider.AuditSealAsync(SealInput(seq, hash), cancellationToken), seal);
    }

    /// <summary>
    /// The head only moves forward: a writer that lost a race to a later entry leaves it alone. A crash between the
    /// append and this update leaves the head one entry behind, which verification reports; the next append heals it.
    /// </summary>
    private async Task StoreHeadAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        byte[] seal = await keyProvider.AuditSealAsync(SealInput(entry.Seq, entry.Hash), cancellationToken);
        string value = $"{entry.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture)}:{Convert.ToHexString(entry.Hash)}:{Convert.ToHexString(seal)}";
        await store.SetSettingIfNewerAsync(HeadSetting, value, entry.Seq, cancellationToken);
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

    private static byte[] SealInput(long seq, byte[] hash)
    {
        var input = new byte[8 + hash.Length + 10];
        BinaryPrimitives.WriteInt64BigEndian(input, seq);
        hash.CopyTo(input, 8);
        "audit-seal"u8.CopyTo(input.AsSpan(8 + hash.Length));
        return input;
    }

    [LoggerMessage(EventId = 2401, Level = LogLevel.Debug, Message = "Audit entry {Seq}: {Action}")]
    private static partial void LogAppended(ILogger logger, long seq, string action);
}
