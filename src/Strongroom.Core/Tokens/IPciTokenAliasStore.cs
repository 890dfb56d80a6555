using Strongroom.Core.Events;
using Strongroom.Core.Idempotency;

namespace Strongroom.Core.Tokens;

/// <summary>Format-preserving aliases of PCI tokens: at most one per token, unique per tenant, erased with their token.</summary>
public interface IPciTokenAliasStore
{
    /// <summary>
    /// Inserts the token with its alias, its <c>pci_token.created</c> event and (when given) the completed idempotency key in
    /// one transaction. False, and nothing written, when the tenant already has <paramref name="tokenAlias"/> (the caller draws again).
    /// </summary>
    Task<bool> InsertPciTokenWithAliasAsync(PciTokenRecord token, string tokenAlias, VaultEvent created, IdempotencyCompletion? completion, CancellationToken cancellationToken);

    /// <summary>The id of the tenant's token with this alias, or null.</summary>
    Task<Guid?> FindPciTokenIdByAliasAsync(Guid tenantId, string tokenAlias, CancellationToken cancellationToken);

    /// <summary>The token's alias, or null when it has none (or does not exist for this tenant).</summary>
    Task<string?> GetPciTokenAliasAsync(Guid tenantId, Guid tokenId, CancellationToken cancellationToken);
}
