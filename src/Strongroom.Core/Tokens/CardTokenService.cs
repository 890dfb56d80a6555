using Microsoft.Extensions.Logging;
using Strongroom.Core.Cards;
using Strongroom.Core.Crypto;

namespace Strongroom.Core.Tokens;

/// <summary>Tokenizes bare card numbers for the fiat gateway. Same crypto and fingerprint as PCI tokens.</summary>
public sealed partial class CardTokenService(ICardTokenStore store, TenantKeyring keyring, TimeProvider time, ILogger<CardTokenService> logger)
{
    public async Task<CardTokenRecord> CreateAsync(Guid tenantId, Pan pan, CancellationToken cancellationToken)
    {
        TenantKeySet keys = await keyring.GetAsync(tenantId, cancellationToken);
        DateTimeOffset now = time.GetUtcNowMilliseconds();
        Guid id = Guid.CreateVersion7(now);
        (byte[] ciphertext, byte[] fingerprint) = CardBlob.Seal(keys, RecordKind.CardToken, id, new ValidCard(pan, default, null, null));
        var record = new CardTokenRecord(id, tenantId, pan.Scheme, pan.First6, pan.LastFour, pan.Length, fingerprint, ciphertext, now);
        await store.InsertCardTokenAsync(record, cancellationToken);
        LogCreated(logger, id, tenantId, pan.Scheme);
        return record;
    }

    public Task<CardTokenRecord?> GetAsync(Guid tenantId, Guid tokenId, CancellationToken cancellationToken) => store.GetCardTokenAsync(tenantId, tokenId, cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created card token {TokenId} for tenant {TenantId} ({Scheme})")]
    private static partial void LogCreated(ILogger logger, Guid tokenId, Guid tenantId, CardScheme scheme);
}
