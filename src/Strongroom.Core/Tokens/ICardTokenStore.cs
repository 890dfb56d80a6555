namespace Strongroom.Core.Tokens;

/// <summary>Fiat-gateway card tokens (WhiteBIT <c>/api/card-token</c>).</summary>
public interface ICardTokenStore
{
    Task InsertCardTokenAsync(CardTokenRecord token, CancellationToken cancellationToken);

    Task<CardTokenRecord?> GetCardTokenAsync(Guid tenantId, Guid tokenId, CancellationToken cancellationToken);
}
