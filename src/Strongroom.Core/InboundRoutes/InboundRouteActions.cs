namespace Strongroom.Core.InboundRoutes;

/// <summary>The audit actions of inbound routes (beside <see cref="Audit.AuditActions"/>; never renamed once written).</summary>
public static class InboundRouteActions
{
    public const string Created = "inbound_route.created";
    public const string Deleted = "inbound_route.deleted";

    /// <summary>One per request that went through a route: route, method, path pattern, status, outcome; never card data.</summary>
    public const string Proxied = "inbound_route.proxied";
}
