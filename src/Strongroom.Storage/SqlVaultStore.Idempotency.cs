using System.Data.Common;
using Strongroom.Core.Idempotency;

namespace Strongroom.Storage;

public abstract partial class SqlVaultStore
{
    public virtual async Task<bool> TryReserveIdempotencyKeyAsync(IdempotencyRecord reservation, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, WriteStatements.DeleteExpiredIdempotencyKey, cancellationToken,
            ("t", IdParameter(reservation.TenantId)), ("k", reservation.Key), ("now", Ms(now)));
        int inserted = await ExecuteAsync(connection, transaction,
            WriteStatements.ReserveIdempotencyKey,
            cancellationToken,
            ("id", IdParameter(reservation.Id)), ("t", IdParameter(reservation.TenantId)), ("k", reservation.Key), ("digest", reservation.RequestDigest),
            ("created", Ms(reservation.CreatedAt)), ("expires", Ms(reservation.ExpiresAt)));
        await transaction.CommitAsync(cancellationToken);
        return inserted == 1;
    }

    public async Task<IdempotencyRecord?> GetIdempotencyKeyAsync(Guid tenantId, string key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        IReadOnlyList<IdempotencyRecord> rows = await QueryHotAsync(
            "SELECT id, tenant_id, idem_key, request_digest, status, response, created_at, expires_at FROM idempotency_keys WHERE tenant_id = @t AND idem_key = @k AND expires_at > @now",
            r => new IdempotencyRecord(
                r.GetGuid(0), r.GetGuid(1), r.GetString(2), (byte[])r.GetValue(3),
                r.IsDBNull(4) ? null : r.GetInt32(4), r.IsDBNull(5) ? null : (byte[])r.GetValue(5), FromMs(r.GetInt64(6)), FromMs(r.GetInt64(7))),
            cancellationToken, ("t", IdParameter(tenantId)), ("k", key), ("now", Ms(now)));
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task CompleteIdempotencyKeyAsync(Guid tenantId, string key, Guid reservationId, int status, byte[] response, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null,
            WriteStatements.CompleteIdempotencyKey, cancellationToken,
            ("status", status), ("response", response), ("t", IdParameter(tenantId)), ("k", key), ("id", IdParameter(reservationId)));
    }

    /// <summary>
    /// Completes the reservation a change's request holds, inside the change's transaction. When the reservation is no longer
    /// that open reservation (a retry took it over), the change must not commit: the caller's transaction is rolled back by
    /// the exception, so the retry is the only request that writes.
    /// </summary>
    private async Task CompleteIdempotencyKeyAsync(DbConnection connection, DbTransaction transaction, IdempotencyCompletion? completion, CancellationToken cancellationToken)
    {
        if (completion is null)
        {
            return;
        }

        int completed = await ExecuteAsync(connection, transaction,
            WriteStatements.CompleteIdempotencyKey, cancellationToken,
            ("status", completion.Status), ("response", completion.SealedResponse), ("t", IdParameter(completion.TenantId)), ("k", completion.Key),
            ("id", IdParameter(completion.ReservationId)));
        if (completed != 1)
        {
            throw new IdempotencyReservationLostException();
        }
    }

    public async Task ReleaseIdempotencyKeyAsync(Guid tenantId, string key, Guid reservationId, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, "DELETE FROM idempotency_keys WHERE tenant_id = @t AND idem_key = @k AND id = @id AND status IS NULL", cancellationToken,
            ("t", IdParameter(tenantId)), ("k", key), ("id", IdParameter(reservationId)));
    }

    public async Task<bool> TryTakeOverIdempotencyKeyAsync(Guid staleReservationId, IdempotencyRecord replacement, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null,
            "UPDATE idempotency_keys SET id = @new, request_digest = @digest, created_at = @created, expires_at = @expires " +
            "WHERE tenant_id = @t AND idem_key = @k AND id = @stale AND status IS NULL",
            cancellationToken,
            ("new", IdParameter(replacement.Id)), ("digest", replacement.RequestDigest), ("created", Ms(replacement.CreatedAt)), ("expires", Ms(replacement.ExpiresAt)),
            ("t", IdParameter(replacement.TenantId)), ("k", replacement.Key), ("stale", IdParameter(staleReservationId))) == 1;
    }

    public async Task<int> PurgeExpiredIdempotencyKeysAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null, "DELETE FROM idempotency_keys WHERE expires_at <= @now", cancellationToken, ("now", Ms(now)));
    }
}
