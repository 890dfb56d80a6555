using System.Data.Common;
using Strongroom.Core.Forwarding;
using Strongroom.Core.NetworkTokens;

namespace Strongroom.Storage;

public abstract partial class SqlVaultStore
{
    public Task<IReadOnlyList<ForwardDestination>> ListForwardDestinationsAsync(Guid tenantId, CancellationToken cancellationToken) =>
        QueryAsync(
            "SELECT id, tenant_id, scheme, host, port, allow_private, ca_certificate, client_identity, created_at FROM forward_destinations WHERE tenant_id = @t ORDER BY created_at, id",
            r => new ForwardDestination(r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.GetString(3), r.GetInt32(4), r.GetInt32(5) != 0,
                r.IsDBNull(6) ? null : r.GetString(6), r.IsDBNull(7) ? null : (byte[])r.GetValue(7), FromMs(r.GetInt64(8))),
            cancellationToken, ("t", IdParameter(tenantId)));

    public async Task ReplaceForwardDestinationsAsync(Guid tenantId, IReadOnlyList<ForwardDestination> destinations, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, "DELETE FROM forward_destinations WHERE tenant_id = @t", cancellationToken, ("t", IdParameter(tenantId)));
        foreach (ForwardDestination d in destinations)
        {
            await ExecuteAsync(connection, transaction,
                "INSERT INTO forward_destinations (id, tenant_id, scheme, host, port, allow_private, ca_certificate, client_identity, created_at) " +
                "VALUES (@id, @t, @scheme, @host, @port, @private, @ca, @identity, @created)",
                cancellationToken,
                ("id", IdParameter(d.Id)), ("t", IdParameter(tenantId)), ("scheme", d.Scheme), ("host", d.Host), ("port", d.Port),
                ("private", d.AllowPrivateNetwork ? 1 : 0), ("ca", d.CaCertificatePem), ("identity", d.ClientIdentity), ("created", Ms(d.CreatedAt)));
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<CryptogramRecord?> GetCryptogramByReferenceAsync(Guid tenantId, byte[] referenceDigest, CancellationToken cancellationToken)
    {
        IReadOnlyList<CryptogramRecord> rows = await QueryAsync(
            "SELECT token_id, tenant_id, counter, amount, currency, reference_digest, created_at, expires_at, used_at, reference_redeemed_at FROM network_token_cryptograms " +
            "WHERE tenant_id = @t AND reference_digest = @ref",
            r => new CryptogramRecord(r.GetGuid(0), r.GetGuid(1), r.GetInt64(2), r.IsDBNull(3) ? null : r.GetInt64(3), r.IsDBNull(4) ? null : r.GetString(4),
                r.IsDBNull(5) ? null : (byte[])r.GetValue(5), FromMs(r.GetInt64(6)), FromMs(r.GetInt64(7)), FromMsOrNull(r, 8), FromMsOrNull(r, 9)),
            cancellationToken, ("t", IdParameter(tenantId)), ("ref", referenceDigest));
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<bool> TryRedeemCryptogramReferenceAsync(Guid tenantId, Guid tokenId, long counter, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null,
            "UPDATE network_token_cryptograms SET reference_redeemed_at = @now WHERE tenant_id = @t AND token_id = @token AND counter = @counter " +
            "AND reference_redeemed_at IS NULL AND used_at IS NULL AND expires_at > @now",
            cancellationToken, ("t", IdParameter(tenantId)), ("token", IdParameter(tokenId)), ("counter", counter), ("now", Ms(now))) == 1;
    }

    public async Task<bool> ReleaseCryptogramReferenceAsync(Guid tenantId, Guid tokenId, long counter, DateTimeOffset redeemedAt, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null,
            "UPDATE network_token_cryptograms SET reference_redeemed_at = NULL WHERE tenant_id = @t AND token_id = @token AND counter = @counter AND reference_redeemed_at = @redeemed",
            cancellationToken, ("t", IdParameter(tenantId)), ("token", IdParameter(tokenId)), ("counter", counter), ("redeemed", Ms(redeemedAt))) == 1;
    }
}
