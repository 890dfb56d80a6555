using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Strongroom.Core.Events;
using Strongroom.Core.Idempotency;
using Strongroom.Core.Bins;
using Strongroom.Core.Cards;
using Strongroom.Core.Crypto;
using Strongroom.Core.SecurityCodes;

namespace Strongroom.Core.Tokens;

public enum SingleUseOutcome
{
    Done,
    NotFound,
    AlreadyUsed,
    Expired,
}

public sealed record SingleUseConsumption(SingleUseOutcome Outcome, PciToken? Token = null);

/// <summary>
/// Single-use card tokens (the Tap dialect's <c>tok_…</c>): a card held for a few minutes (default 5) until one
/// use turns it into something durable — here a PCI token created from it, in the same transaction that marks
/// it used. The fingerprint is the tenant's keyed PAN fingerprint, so it matches across token kinds of one
/// tenant and differs between tenants.
/// </summary>
public sealed partial class SingleUseTokenService(
    ISingleUseTokenStore store,
    TenantKeyring keyring,
    PciTokenService pciTokens,
    ISecurityCodeStore securityCodes,
    BinService bins,
    TimeProvider time,
    IOptions<VaultOptions> options,
    ILogger<SingleUseTokenService> logger)
{
    private const string IdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public async Task<SingleUseToken> CreateAsync(Guid tenantId, ValidCard card, IReadOnlyDictionary<string, string>? address, string? clientIp, CancellationToken cancellationToken)
    {
        TenantKeySet keys = await keyring.GetAsync(tenantId, cancellationToken);
        DateTimeOffset now = time.GetUtcNowMilliseconds();
        Guid id = Guid.CreateVersion7(now);
        (byte[] ciphertext, byte[] fingerprint) = CardBlob.Seal(keys, RecordKind.SingleUseToken, id, card);
        byte[]? addressCiphertext = address is { Count: > 0 }
            ? keys.Seal(RecordKind.SingleUseTokenAddress, id, JsonSerializer.SerializeToUtf8Bytes(address, CoreJson.Default.IReadOnlyDictionaryStringString))
            : null;
        CardMetadata metadata = await bins.LookupAsync(card.Pan, cancellationToken);
        TimeSpan ttl = options.Value.SingleUseTokenTtl;

        var record = new SingleUseTokenRecord(
            id, "tok_" + RandomId(), "card_" + RandomId(), tenantId, card.Pan.Scheme, card.Pan.First6, card.Pan.LastFour, card.Pan.Length,
            card.Expiry.Month, card.Expiry.Year, fingerprint, ciphertext, addressCiphertext, metadata.Funding, metadata.Bank, metadata.Country,
            metadata.IssuerId, clientIp, now, now + ttl);
        // Code first (see PciTokenService): a shared code store that is down fails the request before the token exists.
        if (card.SecurityCode is { } securityCode)
        {
            securityCodes.Put(tenantId, id, securityCode, ttl);
        }

        await store.InsertSingleUseTokenAsync(record, cancellationToken);

        LogCreated(logger, record.PublicId, tenantId, card.Pan.Scheme);
        return new SingleUseToken(record, card.CardholderName, address?.ToList(), FingerprintText(fingerprint));
    }

    /// <summary>The token (used or not) until it expires; null once expired, absent, or another tenant's.</summary>
    public async Task<SingleUseToken?> GetAsync(Guid tenantId, string publicId, CancellationToken cancellationToken)
    {
        SingleUseTokenRecord? record = await store.GetSingleUseTokenAsync(tenantId, publicId, cancellationToken);
        if (record is null || record.ExpiresAt <= time.GetUtcNow())
        {
            return null;
        }

        if (record.Ciphertext.Length == 0)
        {
            // Used: the card and address were erased when it was used.
            return new SingleUseToken(record, null, null, FingerprintText(record.Fingerprint));
        }

        byte[] plaintext = await keyring.OpenAsync(tenantId, RecordKind.SingleUseToken, record.Id, record.Ciphertext, cancellationToken);
        string? name;
        try
        {
            name = CardBlob.DecodeCardholderName(plaintext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }

        // Sealed separately from the card: a rotation re-encrypting column by column may have moved one and not yet the other.
        IReadOnlyDictionary<string, string>? address = record.AddressCiphertext is { } sealedAddress
            ? JsonSerializer.Deserialize(await keyring.OpenAsync(tenantId, RecordKind.SingleUseTokenAddress, record.Id, sealedAddress, cancellationToken), CoreJson.Default.IReadOnlyDictionaryStringString)
            : null;
        return new SingleUseToken(record, name, address?.ToList(), FingerprintText(record.Fingerprint));
    }

    /// <summary>
    /// Uses the token up by creating a PCI token from its card (and security code, while kept), atomically:
    /// of two concurrent uses exactly one succeeds.
    /// </summary>
    public async Task<SingleUseConsumption> ConsumeIntoPciTokenAsync(Guid tenantId, string publicId, TokenOptions tokenOptions, CancellationToken cancellationToken, IdempotentReply<PciToken>? reply = null)
    {
        SingleUseTokenRecord? record = await store.GetSingleUseTokenAsync(tenantId, publicId, cancellationToken);
        if (record is null)
        {
            return new(SingleUseOutcome.NotFound);
        }

        if (Closed(record) is { } closed)
        {
            return new(closed);
        }

        byte[] plaintext = await keyring.OpenAsync(tenantId, RecordKind.SingleUseToken, record.Id, record.Ciphertext, cancellationToken);
        ValidCard card;
        try
        {
            card = new ValidCard(CardBlob.DecodePan(plaintext), new Expiry(record.ExpiryMonth, record.ExpiryYear),
                CardBlob.DecodeCardholderName(plaintext), securityCodes.Read(tenantId, record.Id));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }

        SealedPciToken sealedToken = await pciTokens.SealAsync(tenantId, card, tokenOptions, reply, cancellationToken);
        PciTokenRecord pciRecord = sealedToken.Record;
        DateTimeOffset now = pciRecord.CreatedAt;
        PciToken? token = await pciTokens.CommitAsync(sealedToken, () => store.TryUseSingleUseTokenAsync(tenantId, publicId, now, pciRecord,
            [VaultEvents.PciTokenCreated(pciRecord), VaultEvents.CardTokenUsed(tenantId, publicId, "pci_token", pciRecord.Id, now)], sealedToken.Completion, cancellationToken));
        if (token is null)
        {
            SingleUseTokenRecord current = await store.GetSingleUseTokenAsync(tenantId, publicId, cancellationToken) ?? record;
            return new(Closed(current) ?? SingleUseOutcome.AlreadyUsed);
        }

        securityCodes.Remove(tenantId, record.Id);
        LogUsed(logger, publicId, tenantId, token.Id);
        return new(SingleUseOutcome.Done, token);
    }

    /// <summary>The wire form of a fingerprint: standard base64, percent-encoded (URL-safe), as in the Tap seed.</summary>
    public static string FingerprintText(byte[] fingerprint) => Uri.EscapeDataString(Convert.ToBase64String(fingerprint));

    private SingleUseOutcome? Closed(SingleUseTokenRecord record) =>
        record.UsedAt is not null ? SingleUseOutcome.AlreadyUsed
        : record.ExpiresAt <= time.GetUtcNow() ? SingleUseOutcome.Expired
        : null;

    /// <summary>24 characters from the CSPRNG (about 143 bits): ids are unguessable as well as unique.</summary>
    private static string RandomId()
    {
        var id = new StringBuilder(24);
        for (int i = 0; i < 24; i++)
        {
            id.Append(IdAlphabet[RandomNumberGenerator.GetInt32(IdAlphabet.Length)]);
        }

        return id.ToString();
    }

    [LoggerMessage(EventId = 2301, Level = LogLevel.Information, Message = "Created single-use token {TokenId} for tenant {TenantId} ({Scheme})")]
    private static partial void LogCreated(ILogger logger, string tokenId, Guid tenantId, CardScheme scheme);

    [LoggerMessage(EventId = 2302, Level = LogLevel.Information, Message = "Used single-use token {TokenId} of tenant {TenantId} for PCI token {PciTokenId}")]
    private static partial void LogUsed(ILogger logger, string tokenId, Guid tenantId, Guid pciTokenId);
}
