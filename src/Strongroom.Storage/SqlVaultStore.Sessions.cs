using System.Data.Common;
using Strongroom.Core.Events;
using Strongroom.Core.Idempotency;
using Strongroom.Core.Sessions;

namespace Strongroom.Storage;

public abstract partial class SqlVaultStore
{
    private const string SessionColumns = "id, tenant_id, kind, status, token_id, options, created_at, expires_at, failed_attempts, completed_at";

    public async Task InsertSessionAsync(SessionRecord session, IdempotencyCompletion? completion, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction,
            $"INSERT INTO sessions ({SessionColumns}) VALUES (@id, @t, @kind, @status, @token, @options, @created, @expires, @failed, @completed)",
            cancellationToken,
            ("id", IdParameter(session.Id)), ("t", IdParameter(session.TenantId)), ("kind", (int)session.Kind), ("status", (int)session.Status),
            ("token", session.TokenId is Guid tokenId ? IdParameter(tokenId) : null), ("options", session.OptionsJson),
            ("created", Ms(session.CreatedAt)), ("expires", Ms(session.ExpiresAt)), ("failed", session.FailedAttempts), ("completed", Ms(session.CompletedAt)));
        await CompleteIdempotencyKeyAsync(connection, transaction, completion, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<SessionRecord?> GetSessionAsync(Guid tenantId, Guid sessionId, CancellationToken cancellationToken)
    {
        IReadOnlyList<SessionRecord> rows = await QueryAsync($"SELECT {SessionColumns} FROM sessions WHERE tenant_id = @t AND id = @id", ReadSession,
            cancellationToken, ("t", IdParameter(tenantId)), ("id", IdParameter(sessionId)));
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<SessionRecord?> FindSessionAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        IReadOnlyList<SessionRecord> rows = await QueryAsync($"SELECT {SessionColumns} FROM sessions WHERE id = @id", ReadSession,
            cancellationToken, ("id", IdParameter(sessionId)));
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<int?> RecordFailedSessionAttemptAsync(Guid sessionId, int maxFailedAttempts, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // SET expressions see the row's old values, so both columns move together in one statement.
        IReadOnlyList<int> rows = await QueryAsync(
            "UPDATE sessions SET failed_attempts = failed_attempts + 1, " +
            "status = CASE WHEN failed_attempts + 1 >= @max THEN @locked ELSE status END " +
            "WHERE id = @id AND status = @created AND expires_at > @now RETURNING failed_attempts",
            r => r.GetInt32(0), cancellationToken,
            ("id", IdParameter(sessionId)), ("max", maxFailedAttempts), ("locked", (int)SessionStatus.Locked), ("created", (int)SessionStatus.Created), ("now", Ms(now)));
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<SessionWriteResult> TryCompleteSessionAsync(Guid sessionId, Guid tokenId, DateTimeOffset now, SessionCompletionWrites writes, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        int completed = await ExecuteAsync(connection, transaction,
            "UPDATE sessions SET status = @completed, token_id = @token, completed_at = @now WHERE id = @id AND status = @created AND expires_at > @now",
            cancellationToken,
            ("id", IdParameter(sessionId)), ("token", IdParameter(tokenId)), ("now", Ms(now)),
            ("completed", (int)SessionStatus.Completed), ("created", (int)SessionStatus.Created));
        if (completed != 1)
        {
            await transaction.RollbackAsync(cancellationToken);
            return SessionWriteResult.SessionClosed;
        }

        if (writes.PciToken is not null)
        {
            await InsertPciTokenAsync(connection, transaction, writes.PciToken, cancellationToken);
        }

        if (writes.NetworkToken is not null && await InsertNetworkTokenAsync(connection, transaction, writes.NetworkToken, cancellationToken) != 1)
        {
            await transaction.RollbackAsync(cancellationToken);
            return SessionWriteResult.TokenConflict;
        }

        foreach (VaultEvent vaultEvent in writes.Events ?? [])
        {
            await InsertEventAsync(connection, transaction, vaultEvent, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return SessionWriteResult.Completed;
    }

    public async Task<int> AnnounceExpiredSessionsAsync(DateTimeOffset now, int batchSize, Func<SessionRecord, VaultEvent> expired, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);

        // The status test in the UPDATE is the compare-and-set: a session completed since it was selected stays unannounced.
        IReadOnlyList<SessionRecord> announced = await QueryAsync(connection, transaction,
            $"UPDATE sessions SET expiry_announced_at = @now WHERE id IN (SELECT id FROM sessions WHERE status = @created AND expires_at <= @now " +
            $"AND expiry_announced_at IS NULL ORDER BY expires_at LIMIT @n) AND status = @created AND expiry_announced_at IS NULL RETURNING {SessionColumns}",
            ReadSession, cancellationToken, ("now", Ms(now)), ("created", (int)SessionStatus.Created), ("n", batchSize));
        foreach (SessionRecord session in announced)
        {
            await InsertEventAsync(connection, transaction, expired(session), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return announced.Count;
    }

    public async Task<int> PurgeSessionsAsync(DateTimeOffset expiredBefore, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null, "DELETE FROM sessions WHERE expires_at <= @before", cancellationToken, ("before", Ms(expiredBefore)));
    }

    private static SessionRecord ReadSession(DbDataReader r) => new(
        r.GetGuid(0), r.GetGuid(1), (SessionKind)r.GetInt32(2), (SessionStatus)r.GetInt32(3),
        r.IsDBNull(4) ? null : r.GetGuid(4), r.IsDBNull(5) ? null : r.GetString(5), FromMs(r.GetInt64(6)), FromMs(r.GetInt64(7)),
        r.GetInt32(8), FromMsOrNull(r, 9));
}
