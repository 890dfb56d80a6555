using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Strongroom.Core.Cards;
using Strongroom.Core.Crypto;
using Strongroom.Core.Events;
using Strongroom.Core.SecurityCodes;
using Strongroom.Core.Sessions;
using Strongroom.Core.Storage;

namespace Strongroom.Core.Tokens;

/// <summary>
/// The PCI token use cases, dialect-neutral: tokenize a validated card, create a card-entry session,
/// read masked, list, delete (crypto-erase), and the ephemeral security code.
/// </summary>
public sealed partial class PciTokenService(
    IVaultStore store,
    TenantKeyring keyring,
    ISecurityCodeStore securityCodes,
    TimeProvider time,
    IOptions<VaultOptions> options,
    ILogger<PciTokenService> logger)
{
    public const int MaxPageSize = 100;

    // SQLite has one writer at a time and made concurrent inserts wait in its busy handler, which sleeps 1–100 ms between
    // attempts (docs/benchmarks.md); group commit queues them in process instead and lets one fsync acknowledge a batch.
    // PostgreSQL commits concurrently (and groups WAL flushes itself), so its inserts go straight to the store.
    private readonly GroupCommitWriter? _groupCommit = store.SerializesWrites ? new GroupCommitWriter(store) : null;

    private const byte BlobVersion = 1;

    /// <summary>Domain of PAN fingerprints; every token kind seals through <see cref="SealCard"/>, so one card has one fingerprint per tenant.</summary>
    private const string FingerprintDomain = "pan-fingerprint/v1";

    public async Task<PciToken> CreateAsync(Guid tenantId, ValidCard card, TokenOptions tokenOptions, CancellationToken cancellationToken) =>
        (await CreateAsync(tenantId, card, tokenOptions, completingSessionId: null, cancellationToken))!;

    /// <summary>
    /// Tokenizes <paramref name="card"/>. With <paramref name="completingSessionId"/>, the token is written in the same
    /// transaction that completes that session, and null comes back (nothing written) if the session was no longer open.
    /// </summary>
    internal Task<PciToken?> CreateAsync(Guid tenantId, ValidCard card, TokenOptions tokenOptions, Guid? completingSessionId, CancellationToken cancellationToken) =>
        CreateAsync(tenantId, card, tokenOptions, async (record, now) => completingSessionId is Guid sessionId
            ? await store.TryCompleteSessionAsync(sessionId, record.Id, now, new SessionCompletionWrites(PciToken: record, Events:
                [VaultEvents.PciTokenCreated(record), VaultEvents.SessionCompleted(tenantId, sessionId, SessionKind.PciToken, "pci_token_id", record.Id, now)]), cancellationToken) == SessionWriteResult.Completed
            : await InsertAsync(record, cancellationToken), cancellationToken);

    /// <summary>
    /// Tokenizes <paramref name="card"/>, handing the sealed record to <paramref name="persist"/> so another change can
    /// commit in the same transaction (a session completing, a single-use token being used up). When it returns false,
    /// nothing was written and null comes back.
    /// </summary>
    internal async Task<PciToken?> CreateAsync(Guid tenantId, ValidCard card, TokenOptions tokenOptions, Func<PciTokenRecord, DateTimeOffset, Task<bool>> persist, CancellationToken cancellationToken)
    {
        TenantKeySet keys = await keyring.GetAsync(tenantId, cancellationToken);
        DateTimeOffset now = time.GetUtcNowMilliseconds();
        Guid id = Guid.CreateVersion7(now);
        (byte[] ciphertext, byte[] fingerprint) = SealCard(keys, RecordKind.PciToken, id, card);

        var record = new PciTokenRecord(
            id,
            tenantId,
            card.Pan.Scheme,
            card.Pan.First6,
            card.Pan.LastFour,
            card.Pan.Length,
            card.Expiry.Month,
            card.Expiry.Year,
            fingerprint,
            ciphertext,
            TokenMetadata.Serialize(tokenOptions.Metadata),
            now,
            tokenOptions.ExpiresInSeconds is int seconds ? now.AddSeconds(seconds) : null);
        // The security code goes to its (possibly shared, Redis) store first: if that store is down the request fails before
        // anything is written, rather than leaving a token the client was never told about.
        if (card.SecurityCode is { } securityCode)
        {
            securityCodes.Put(tenantId, id, securityCode, EffectiveSecurityCodeTtl(record.ExpiresAt, now));
        }

        bool persisted = false;
        try
        {
            persisted = await persist(record, now);
        }
        finally
        {
            if (!persisted && card.SecurityCode is not null)
            {
                RemoveSecurityCodeQuietly(tenantId, id);
            }
        }

        if (!persisted)
        {
            return null;
        }

        LogCreated(logger, id, tenantId, card.Pan.Scheme, card.SecurityCode is not null);
        return new PciToken(id, new MaskedCard(card.CardholderName, card.Expiry.Month, card.Expiry.Year, card.Pan.Masked, card.Pan.Scheme), now, record.ExpiresAt, tokenOptions.Metadata);
    }

    /// <summary>Drops the code of a token that was not created; a failure here only leaves it to expire by its TTL.</summary>
    private void RemoveSecurityCodeQuietly(Guid tenantId, Guid tokenId)
    {
        try
        {
            securityCodes.Remove(tenantId, tokenId);
        }
#pragma warning disable CA1031 // Best effort on a failure path: the original exception (if any) is what matters.
        catch (Exception)
#pragma warning restore CA1031
        {
            // Expires by its TTL.
        }
    }

    private async Task<bool> InsertAsync(PciTokenRecord record, CancellationToken cancellationToken)
    {
        VaultEvent created = VaultEvents.PciTokenCreated(record);
        if (_groupCommit is null)
        {
            await store.InsertPciTokenAsync(record, created, cancellationToken);
        }
        else
        {
            await _groupCommit.InsertAsync(record, created, cancellationToken);
        }

        return true;
    }

    public async Task<PciToken?> GetAsync(Guid tenantId, Guid tokenId, CancellationToken cancellationToken)
    {
        PciTokenRecord? record = await store.GetPciTokenAsync(tenantId, tokenId, time.GetUtcNow(), cancellationToken);
        return record is null ? null : await ToTokenAsync(record, cancellationToken);
    }

    public async Task<PciTokenPage> ListAsync(Guid tenantId, Guid? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxPageSize);

        // One extra row tells whether another page exists without a count query.
        IReadOnlyList<PciTokenRecord> records = await store.ListPciTokensAsync(tenantId, after, limit + 1, time.GetUtcNow(), cancellationToken);
        var items = new List<PciToken>(Math.Min(limit, records.Count));
        foreach (PciTokenRecord record in records.Take(limit))
        {
            items.Add(await ToTokenAsync(record, cancellationToken));
        }

        return new PciTokenPage(items, records.Count > limit);
    }

    /// <summary>Erases the token and its security code. False if there was no such token for this tenant.</summary>
    public async Task<bool> DeleteAsync(Guid tenantId, Guid tokenId, CancellationToken cancellationToken)
    {
        securityCodes.Remove(tenantId, tokenId);
        bool deleted = await store.DeletePciTokenAsync(tenantId, tokenId, VaultEvents.PciTokenDeleted(tenantId, tokenId, time.GetUtcNowMilliseconds()), cancellationToken);
        if (deleted)
        {
            LogDeleted(logger, tokenId, tenantId);
        }

        return deleted;
    }

    /// <summary>Whether the token has a live security code; null when the token does not exist.</summary>
    public async Task<bool?> IsSecurityCodeAvailableAsync(Guid tenantId, Guid tokenId, CancellationToken cancellationToken) =>
        await ExistsAsync(tenantId, tokenId, cancellationToken) ? securityCodes.Contains(tenantId, tokenId) : null;

    /// <summary>Keeps a newly entered security code for an existing token (security-code session), for as long as the token allows.</summary>
    internal void KeepSecurityCode(PciTokenRecord token, string securityCode) =>
        securityCodes.Put(token.TenantId, token.Id, securityCode, EffectiveSecurityCodeTtl(token.ExpiresAt, time.GetUtcNow()));

    /// <summary>
    /// The token's card, decrypted, for another token kind to be made from it (a network token from a PCI token);
    /// null when the token does not exist. The security code comes along while it is still kept.
    /// </summary>
    internal async Task<ValidCard?> OpenCardAsync(Guid tenantId, Guid tokenId, CancellationToken cancellationToken)
    {
        PciTokenRecord? record = await FindRecordAsync(tenantId, tokenId, cancellationToken);
        if (record is null)
        {
            return null;
        }

        byte[] plaintext = await keyring.OpenAsync(tenantId, RecordKind.PciToken, record.Id, record.Ciphertext, cancellationToken);
        try
        {
            return new ValidCard(DecodePan(plaintext), new Expiry(record.ExpiryMonth, record.ExpiryYear), DecodeCardholderName(plaintext), securityCodes.Read(tenantId, tokenId));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>The stored token record (masked fields, sealed card), or null if absent or expired.</summary>
    internal Task<PciTokenRecord?> FindRecordAsync(Guid tenantId, Guid tokenId, CancellationToken cancellationToken) =>
        store.GetPciTokenAsync(tenantId, tokenId, time.GetUtcNow(), cancellationToken);

    /// <summary>Forgets the token's security code. False when the token does not exist.</summary>
    public async Task<bool> DeleteSecurityCodeAsync(Guid tenantId, Guid tokenId, CancellationToken cancellationToken)
    {
        if (!await ExistsAsync(tenantId, tokenId, cancellationToken))
        {
            return false;
        }

        securityCodes.Remove(tenantId, tokenId);
        return true;
    }

    internal async Task<bool> ExistsAsync(Guid tenantId, Guid tokenId, CancellationToken cancellationToken) =>
        await FindRecordAsync(tenantId, tokenId, cancellationToken) is not null;

    private async Task<PciToken> ToTokenAsync(PciTokenRecord record, CancellationToken cancellationToken)
    {
        byte[] plaintext = await keyring.OpenAsync(record.TenantId, RecordKind.PciToken, record.Id, record.Ciphertext, cancellationToken);
        string? cardholderName;
        try
        {
            cardholderName = DecodeCardholderName(plaintext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }

        return new PciToken(
            record.Id,
            new MaskedCard(cardholderName, record.ExpiryMonth, record.ExpiryYear, record.MaskedAccountNumber, record.Scheme),
            record.CreatedAt,
            record.ExpiresAt,
            TokenMetadata.Deserialize(record.MetadataJson));
    }

    private TimeSpan EffectiveSecurityCodeTtl(DateTimeOffset? tokenExpiresAt, DateTimeOffset now)
    {
        TimeSpan ttl = options.Value.SecurityCodeTtl;
        return tokenExpiresAt is { } expiresAt && expiresAt - now < ttl ? expiresAt - now : ttl;
    }

    /// <summary>
    /// Seals a card for a record of <paramref name="kind"/> and computes its PAN fingerprint, from one
    /// encoding of the card that is zeroed afterwards. Every token kind that stores a PAN goes through here.
    /// </summary>
    internal static (byte[] Ciphertext, byte[] Fingerprint) SealCard(TenantKeySet keys, RecordKind kind, Guid recordId, ValidCard card)
    {
        // On the stack (a validated card's blob is at most 4 + 19 + 400 bytes): nothing but the two results is allocated.
        int size = 4 + card.Pan.Length + Encoding.UTF8.GetByteCount(card.CardholderName ?? "");
        Span<byte> plaintext = size <= MaxCardBlobSize ? stackalloc byte[MaxCardBlobSize] : new byte[size];
        plaintext = plaintext[..EncodeCardBlob(card, plaintext)];
        try
        {
            return (keys.Seal(kind, recordId, plaintext), keys.KeyedDigest(FingerprintDomain, plaintext.Slice(2, card.Pan.Length)));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>The largest card blob: the longest PAN and a cardholder name of 100 characters, 4 UTF-8 bytes each.</summary>
    private const int MaxCardBlobSize = 4 + Pan.MaxLength + (4 * CardValidator.MaxCardholderNameLength);

    /// <summary>Writes the card blob (see <see cref="EncodeCardBlob(ValidCard)"/>) into <paramref name="destination"/>; returns its length.</summary>
    internal static int EncodeCardBlob(ValidCard card, Span<byte> destination)
    {
        string name = card.CardholderName ?? "";
        int nameBytes = Encoding.UTF8.GetByteCount(name);
        destination[0] = BlobVersion;
        destination[1] = (byte)card.Pan.Length;
        card.Pan.CopyAsciiTo(destination[2..]);
        BinaryPrimitives.WriteUInt16BigEndian(destination[(2 + card.Pan.Length)..], checked((ushort)nameBytes));
        Encoding.UTF8.GetBytes(name, destination[(4 + card.Pan.Length)..]);
        return 4 + card.Pan.Length + nameBytes;
    }

    /// <summary>
    /// The sealed plaintext of a token: <c>[version][pan length][pan ascii][name length u16 BE][name utf-8]</c>.
    /// A fixed binary layout (not JSON) so the PAN never passes through a string builder or serializer.
    /// </summary>
    internal static byte[] EncodeCardBlob(ValidCard card)
    {
        string name = card.CardholderName ?? "";
        int nameBytes = Encoding.UTF8.GetByteCount(name);
        var blob = new byte[2 + card.Pan.Length + 2 + nameBytes];
        blob[0] = BlobVersion;
        blob[1] = (byte)card.Pan.Length;
        card.Pan.CopyAsciiTo(blob.AsSpan(2));
        BinaryPrimitives.WriteUInt16BigEndian(blob.AsSpan(2 + card.Pan.Length), checked((ushort)nameBytes));
        Encoding.UTF8.GetBytes(name, blob.AsSpan(4 + card.Pan.Length));
        return blob;
    }

    internal static string? DecodeCardholderName(ReadOnlySpan<byte> blob)
    {
        if (blob[0] != BlobVersion)
        {
            throw new CryptographicException("Unknown card blob version.");
        }

        int panLength = blob[1];
        int nameLength = BinaryPrimitives.ReadUInt16BigEndian(blob[(2 + panLength)..]);
        return nameLength == 0 ? null : Encoding.UTF8.GetString(blob.Slice(4 + panLength, nameLength));
    }

    /// <summary>Decodes the PAN from a card blob. Only deliberate data-out paths use this.</summary>
    internal static Pan DecodePan(ReadOnlySpan<byte> blob) => Pan.FromTrusted(Encoding.ASCII.GetString(blob.Slice(2, blob[1])));

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Created PCI token {TokenId} for tenant {TenantId} ({Scheme}, security code kept: {HasSecurityCode})")]
    private static partial void LogCreated(ILogger logger, Guid tokenId, Guid tenantId, CardScheme scheme, bool hasSecurityCode);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Deleted PCI token {TokenId} of tenant {TenantId}")]
    private static partial void LogDeleted(ILogger logger, Guid tokenId, Guid tenantId);
}
