using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Strongroom.Core.Cards;
using Strongroom.Core.Crypto;
using Strongroom.Core.Events;
using Strongroom.Core.Idempotency;
using Strongroom.Core.SecurityCodes;

namespace Strongroom.Core.Tokens;

/// <summary>
/// The PCI token use cases, dialect-neutral: tokenize a validated card, create a card-entry session,
/// read masked, list, delete (crypto-erase), and the ephemeral security code.
/// </summary>
public sealed partial class PciTokenService(
    IPciTokenStore store,
    TenantKeyring keyring,
    ISecurityCodeStore securityCodes,
    TimeProvider time,
    IOptions<VaultOptions> options,
    ILogger<PciTokenService> logger)
{
    public const int MaxPageSize = 100;

    public Task<PciToken> CreateAsync(Guid tenantId, ValidCard card, TokenOptions tokenOptions, CancellationToken cancellationToken) =>
        CreateAsync(tenantId, card, tokenOptions, reply: null, cancellationToken);

    /// <summary>
    /// Tokenizes <paramref name="card"/>: the token, its <c>pci_token.created</c> event and (with <paramref name="reply"/>) the
    /// request's completed idempotency key commit in one transaction.
    /// </summary>
    public async Task<PciToken> CreateAsync(Guid tenantId, ValidCard card, TokenOptions tokenOptions, IdempotentReply<PciToken>? reply, CancellationToken cancellationToken)
    {
        SealedPciToken token = await SealAsync(tenantId, card, tokenOptions, reply, cancellationToken);
        return (await CommitAsync(token, async () =>
        {
            await store.InsertPciTokenAsync(token.Record, VaultEvents.PciTokenCreated(token.Record), token.Completion, cancellationToken);
            return true;
        }))!;
    }

    /// <summary>
    /// Seals <paramref name="card"/> into a new token record without writing it, so the caller writes it in the transaction of
    /// its own change (a session completing, a single-use token used up) through <see cref="CommitAsync"/>.
    /// </summary>
    internal async Task<SealedPciToken> SealAsync(Guid tenantId, ValidCard card, TokenOptions tokenOptions, IdempotentReply<PciToken>? reply, CancellationToken cancellationToken)
    {
        TenantKeySet keys = await keyring.GetAsync(tenantId, cancellationToken);
        DateTimeOffset now = time.GetUtcNowMilliseconds();
        Guid id = Guid.CreateVersion7(now);
        (byte[] ciphertext, byte[] fingerprint) = CardBlob.Seal(keys, RecordKind.PciToken, id, card);

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
        var token = new PciToken(id, new MaskedCard(card.CardholderName, card.Expiry.Month, card.Expiry.Year, card.Pan.Masked, card.Pan.Scheme), now, record.ExpiresAt, tokenOptions.Metadata);
        return new SealedPciToken(record, token, card.SecurityCode, reply, reply?.Seal(token));
    }

    /// <summary>
    /// Writes a sealed token through <paramref name="write"/> (false: nothing was written, null comes back), keeping its
    /// security code only if the write committed.
    /// </summary>
    internal async Task<PciToken?> CommitAsync(SealedPciToken token, Func<Task<bool>> write)
    {
        PciTokenRecord record = token.Record;
        // The security code goes to its (possibly shared, Redis) store first: if that store is down the request fails before
        // anything is written, rather than leaving a token the client was never told about.
        if (token.SecurityCode is { } securityCode)
        {
            securityCodes.Put(record.TenantId, record.Id, securityCode, EffectiveSecurityCodeTtl(record.ExpiresAt, record.CreatedAt));
        }

        bool persisted = false;
        try
        {
            persisted = await write();
        }
        finally
        {
            if (!persisted && token.SecurityCode is not null)
            {
                RemoveSecurityCodeQuietly(record.TenantId, record.Id);
            }
        }

        if (!persisted)
        {
            return null;
        }

        token.Reply?.MarkCommitted();
        LogCreated(logger, record.Id, record.TenantId, record.Scheme, token.SecurityCode is not null);
        return token.Token;
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
            return new ValidCard(CardBlob.DecodePan(plaintext), new Expiry(record.ExpiryMonth, record.ExpiryYear), CardBlob.DecodeCardholderName(plaintext), securityCodes.Read(tenantId, tokenId));
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
            cardholderName = CardBlob.DecodeCardholderName(plaintext);
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

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Created PCI token {TokenId} for tenant {TenantId} ({Scheme}, security code kept: {HasSecurityCode})")]
    private static partial void LogCreated(ILogger logger, Guid tokenId, Guid tenantId, CardScheme scheme, bool hasSecurityCode);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Deleted PCI token {TokenId} of tenant {TenantId}")]
    private static partial void LogDeleted(ILogger logger, Guid tokenId, Guid tenantId);
}
