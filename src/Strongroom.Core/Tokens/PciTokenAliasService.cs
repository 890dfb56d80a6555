using Strongroom.Core.Cards;
using Strongroom.Core.Events;
using Strongroom.Core.Idempotency;

namespace Strongroom.Core.Tokens;

/// <summary>
/// PCI tokens with a format-preserving alias (<see cref="FormatPreservingAlias"/>), and resolving an alias back to its token
/// wherever a token id is accepted. Tokenizing goes through <see cref="PciTokenService"/>'s own seal and commit, so a token
/// with an alias is sealed, keeps its security code and completes its idempotency key exactly as one without.
/// </summary>
public sealed class PciTokenAliasService(IPciTokenAliasStore store, PciTokenService tokens)
{
    /// <summary>
    /// Tokenizes <paramref name="card"/> with a fresh alias; on an alias collision the token is sealed again with a new draw, up
    /// to <see cref="FormatPreservingAlias.MaxAttempts"/> times. Null when every draw collided (nothing was written).
    /// </summary>
    public async Task<PciToken?> CreateAsync(Guid tenantId, ValidCard card, TokenOptions tokenOptions, IdempotentReply<PciToken>? reply, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(card);
        for (int attempt = 0; attempt < FormatPreservingAlias.MaxAttempts; attempt++)
        {
            string alias = FormatPreservingAlias.Create(card.Pan);
            SealedPciToken plain = await tokens.SealAsync(tenantId, card, tokenOptions, reply: null, cancellationToken);
            PciToken withAlias = plain.Token with { Alias = alias };
            SealedPciToken sealedToken = plain with { Token = withAlias, Reply = reply, Completion = reply?.Seal(withAlias) };
            PciToken? created = await tokens.CommitAsync(sealedToken, () =>
                store.InsertPciTokenWithAliasAsync(sealedToken.Record, alias, VaultEvents.PciTokenCreated(sealedToken.Record), sealedToken.Completion, cancellationToken));
            if (created is not null)
            {
                return created;
            }
        }

        return null;
    }

    /// <summary>
    /// The token id that <paramref name="idOrAlias"/> names in this tenant: a UUID as it is, an alias looked up; null when it is
    /// neither (the caller answers 404, as for an unknown id).
    /// </summary>
    public async Task<Guid?> ResolveAsync(Guid tenantId, string? idOrAlias, CancellationToken cancellationToken)
    {
        if (Guid.TryParse(idOrAlias, out Guid id))
        {
            return id;
        }

        return FormatPreservingAlias.IsWellFormed(idOrAlias) ? await store.FindPciTokenIdByAliasAsync(tenantId, idOrAlias!, cancellationToken) : null;
    }

    /// <summary>The token's alias, or null.</summary>
    public Task<string?> GetAliasAsync(Guid tenantId, Guid tokenId, CancellationToken cancellationToken) =>
        store.GetPciTokenAliasAsync(tenantId, tokenId, cancellationToken);
}
