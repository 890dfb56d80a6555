using System.Data.Common;
using Strongroom.Core.InboundRoutes;

namespace Strongroom.Storage;

public abstract partial class SqlVaultStore
{
    private const string InboundRouteColumns = "id, tenant_id, prefix, upstream_url, definition, created_at";

    public Task<IReadOnlyList<InboundRoute>> ListInboundRoutesAsync(Guid? tenantId, CancellationToken cancellationToken) =>
        tenantId is Guid tenant
            ? QueryAsync($"SELECT {InboundRouteColumns} FROM inbound_routes WHERE tenant_id = @t ORDER BY created_at, id", ReadInboundRoute, cancellationToken, ("t", IdParameter(tenant)))
            : QueryAsync($"SELECT {InboundRouteColumns} FROM inbound_routes ORDER BY created_at, id", ReadInboundRoute, cancellationToken);

    public async Task<bool> InsertInboundRouteAsync(InboundRoute route, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null,
            $"INSERT INTO inbound_routes ({InboundRouteColumns}, updated_at) VALUES (@id, @t, @prefix, @upstream, @definition, @created, @created) ON CONFLICT (prefix) DO NOTHING",
            cancellationToken, ("id", IdParameter(route.Id)), ("t", IdParameter(route.TenantId)), ("prefix", route.Prefix), ("upstream", route.Upstream.OriginalString),
            ("definition", InboundRouteDefinition.Serialize(route.Rules)), ("created", Ms(route.CreatedAt))) == 1;
    }

    public async Task<bool> DeleteInboundRouteAsync(Guid tenantId, Guid routeId, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null, "DELETE FROM inbound_routes WHERE tenant_id = @t AND id = @id", cancellationToken,
            ("t", IdParameter(tenantId)), ("id", IdParameter(routeId))) == 1;
    }

    private static InboundRoute ReadInboundRoute(DbDataReader r) => new(
        r.GetGuid(0), r.GetGuid(1), r.GetString(2), new Uri(r.GetString(3), UriKind.Absolute), InboundRouteDefinition.Deserialize(r.GetString(4)), FromMs(r.GetInt64(5)));
}
