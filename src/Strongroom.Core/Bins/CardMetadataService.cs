using System.Security.Cryptography;
using Strongroom.Core.Cards;
using Strongroom.Core.Crypto;
using Strongroom.Core.NetworkTokens;
using Strongroom.Core.Tokens;

namespace Strongroom.Core.Bins;

/// <summary>Card metadata with the masked number it describes.</summary>
public sealed record CardMetadataAnswer(CardMetadata Metadata, string MaskedAccountNumber);

/// <summary>
/// Metadata inquiries by PAN, PCI token or network token, all answered the same way: a token's card is opened
/// in memory so the BIN table's longest prefix (up to 8 digits) applies, exactly as for the PAN itself. The
/// digits never leave this method; only the metadata and the masked number do.
/// </summary>
public sealed class CardMetadataService(INetworkTokenStore networkTokenStore, IPciTokenStore pciTokenStore, TenantKeyring keyring, BinService bins, TimeProvider time)
{
    public async Task<CardMetadataAnswer> ForPanAsync(Pan pan, CancellationToken cancellationToken) =>
        new(await bins.LookupAsync(pan, cancellationToken), pan.Masked);

    public async Task<CardMetadataAnswer?> ForPciTokenAsync(Guid tenantId, Guid tokenId, CancellationToken cancellationToken)
    {
        PciTokenRecord? token = await pciTokenStore.GetPciTokenAsync(tenantId, tokenId, time.GetUtcNow(), cancellationToken);
        return token is null ? null : await LookupSealedAsync(tenantId, RecordKind.PciToken, token.Id, token.Ciphertext, token.First6, token.Scheme, token.MaskedAccountNumber, cancellationToken);
    }

    public async Task<CardMetadataAnswer?> ForNetworkTokenAsync(Guid tenantId, Guid tokenId, CancellationToken cancellationToken)
    {
        NetworkTokenRecord? token = await networkTokenStore.GetNetworkTokenAsync(tenantId, tokenId, cancellationToken);
        return token is null ? null : await LookupSealedAsync(tenantId, RecordKind.NetworkTokenCard, token.Id, token.CardCiphertext, token.First6, token.Scheme, token.MaskedAccountNumber, cancellationToken);
    }

    private async Task<CardMetadataAnswer> LookupSealedAsync(
        Guid tenantId, RecordKind kind, Guid id, byte[] ciphertext, string first6, CardScheme scheme, string masked, CancellationToken cancellationToken)
    {
        if (ciphertext.Length == 0)
        {
            // A deleted network token's card is erased: the first six digits are all that is left.
            return new(await bins.LookupAsync(first6, scheme, cancellationToken), masked);
        }

        byte[] plaintext = await keyring.OpenAsync(tenantId, kind, id, ciphertext, cancellationToken);
        try
        {
            return new(await bins.LookupAsync(CardBlob.DecodePan(plaintext), cancellationToken), masked);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }
}
