using Strongroom.Core.Audit;
using Strongroom.Core.Forwarding;

namespace Strongroom.Core.InboundRoutes;

/// <summary>The outcome of creating a route: the route, or why not (validation errors; a taken prefix).</summary>
public sealed record InboundRouteCreation(InboundRoute? Route, IReadOnlyList<InboundRouteError> Errors, bool PrefixTaken = false);

/// <summary>
/// Inbound routes: validated (shape, and the upstream on the tenant's forwarding allowlist, the same egress rule as
/// forwarding), stored, and audited by the service itself. Nodes pick changes up through their route tables.
/// </summary>
public sealed class InboundRouteService(IInboundRouteStore store, ForwardingService forwarding, AuditLog audit, TimeProvider time)
{
    public const int MaxRoutesPerTenant = 50;

    public Task<IReadOnlyList<InboundRoute>> ListAsync(Guid tenantId, CancellationToken cancellationToken) => store.ListInboundRoutesAsync(tenantId, cancellationToken);

    /// <summary>Every tenant's routes (a node's route table).</summary>
    public Task<IReadOnlyList<InboundRoute>> ListAllAsync(CancellationToken cancellationToken) => store.ListInboundRoutesAsync(null, cancellationToken);

    public async Task<InboundRouteCreation> CreateAsync(Guid tenantId, InboundRouteDraft draft, Actor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var errors = new List<InboundRouteError>();
        if (InboundRouteValidator.Validate(draft, errors) is not { } valid)
        {
            return new(null, errors);
        }

        if (await forwarding.MatchAsync(tenantId, valid.Upstream, cancellationToken) is null)
        {
            return new(null, [new("$.upstream_url", "The upstream is not on the tenant's forwarding allowlist (scheme, host and port must match a forward destination).")]);
        }

        if ((await store.ListInboundRoutesAsync(tenantId, cancellationToken)).Count >= MaxRoutesPerTenant)
        {
            return new(null, [new("$", $"A tenant has at most {MaxRoutesPerTenant} inbound routes.")]);
        }

        var route = new InboundRoute(Guid.CreateVersion7(), tenantId, valid.Prefix, valid.Upstream, valid.Rules, time.GetUtcNowMilliseconds());
        if (!await store.InsertInboundRouteAsync(route, cancellationToken))
        {
            return new(null, [new("$.prefix", "The prefix is taken.")], PrefixTaken: true);
        }

        await audit.RecordAsync(actor, InboundRouteActions.Created, tenantId, route.Id.ToString(),
            ("prefix", route.Prefix), ("upstream", route.Upstream.GetLeftPart(UriPartial.Authority)), ("method", route.Rules.Method), ("path_pattern", route.Rules.PathPattern),
            ("content_type", InboundRouteNames.Of(route.Rules.ContentType)), ("replacement", InboundRouteNames.Of(route.Rules.Replacement)));
        return new(route, []);
    }

    /// <summary>Deletes the tenant's route; false when there was none.</summary>
    public async Task<bool> DeleteAsync(Guid tenantId, Guid routeId, Actor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!await store.DeleteInboundRouteAsync(tenantId, routeId, cancellationToken))
        {
            return false;
        }

        await audit.RecordAsync(actor, InboundRouteActions.Deleted, tenantId, routeId.ToString());
        return true;
    }
}
