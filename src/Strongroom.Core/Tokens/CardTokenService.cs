using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Strongroom.Core.Cards;
using Strongroom.Core.Crypto;
using Strongroom.Core.Storage;

namespace Strongroom.Core.Tokens;

/// <summary>Tokenizes bare card numbers for the fiat gateway. Same crypto and fingerprint as PCI tokens.</summary>
public sealed partial class CardTokenService(IVaultStore store, TenantKeyring keyring, TimeProvider time, ILogger<CardTokenService> logger)
{
    public async Task<CardTokenRecord> CreateAsync(Guid tenantId, Pan pan, CancellationToken cancellationToken)
    {
        TenantKeySet keys = await keyring.GetAsync(tenantId, cancellationToken);
        DateTimeOffset now = DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());
        Guid id = Guid.CreateVersion7(now);
        byte[] blob = PciTokenService.EncodeCardBlob(new ValidCard(pan, default, null, null));
        try
        {
            var record = new CardTokenRecord(
                id,
                tenantId,
                pan.Scheme,
                pan.First6,
                pan.LastFour,
                pan.Length,
                keys.KeyedDigest(PciTokenService.FingerprintDomain, blob.AsSpan(2, pan.Length)),
                keys.Seal(RecordKind.CardToken, id, blob),
                now);
            await store.InsertCardTokenAsync(record, cancellationToken);
            LogCreated(logger, id, tenantId, pan.Scheme);
            return record;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(blob);
        }
    }

    public Task<CardTokenRecord?> GetAsync(Guid tenantId, Guid tokenId, CancellationToken cancellationToken) => store.GetCardTokenAsync(tenantId, tokenId, cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created card token {TokenId} for tenant {TenantId} ({Scheme})")]
    private static partial void LogCreated(ILogger logger, Guid tokenId, Guid tenantId, CardScheme scheme);
}
