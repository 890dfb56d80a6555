namespace Strongroom.Core.InboundRoutes;

/// <summary>Inbound routes. A prefix is unique across the vault: it alone names the route (and so the tenant) of a request.</summary>
public interface IInboundRouteStore
{
    /// <summary>The routes of <paramref name="tenantId"/>, or of every tenant when null (each node's route table), by creation.</summary>
    Task<IReadOnlyList<InboundRoute>> ListInboundRoutesAsync(Guid? tenantId, CancellationToken cancellationToken);

    /// <summary>Inserts the route; false (nothing written) when its prefix is taken.</summary>
    Task<bool> InsertInboundRouteAsync(InboundRoute route, CancellationToken cancellationToken);

    /// <summary>Deletes the tenant's route; false when there was none.</summary>
    Task<bool> DeleteInboundRouteAsync(Guid tenantId, Guid routeId, CancellationToken cancellationToken);
}
