namespace Strongroom.Client.Guardian;

/// <summary>Card metadata inquiries (<c>/api/metadata</c>): scheme, funding and issuer from the vault's BIN table.</summary>
public sealed class MetadataClient
{
    private readonly GuardianTransport _transport;

    internal MetadataClient(GuardianTransport transport) => _transport = transport;

    /// <summary>Metadata for a card number; the vault does not store it.</summary>
    public Task<CardMetadata> ForCardNumberAsync(string accountNumber, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountNumber);
        return _transport.SendAsync(HttpMethod.Post, "/api/metadata/pan", new AccountNumberWire(accountNumber), GuardianJsonContext.Default.AccountNumberWire,
            GuardianJsonContext.Default.CardMetadata, null, cancellationToken);
    }

    /// <summary>Metadata for the card of a PCI token.</summary>
    public Task<CardMetadata> ForPciTokenAsync(Guid pciTokenId, CancellationToken cancellationToken = default) =>
        _transport.SendAsync(HttpMethod.Get, $"/api/metadata/pci-tokens/{GuardianTransport.Id(pciTokenId)}", GuardianJsonContext.Default.CardMetadata, cancellationToken);

    /// <summary>Metadata for the funding card of a network token.</summary>
    public Task<CardMetadata> ForNetworkTokenAsync(Guid networkTokenId, CancellationToken cancellationToken = default) =>
        _transport.SendAsync(HttpMethod.Get, $"/api/metadata/network-tokens/{GuardianTransport.Id(networkTokenId)}", GuardianJsonContext.Default.CardMetadata, cancellationToken);
}
