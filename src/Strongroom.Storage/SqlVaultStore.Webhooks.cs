using System.Data.Common;
using Strongroom.Core.Events;
using Strongroom.Core.Webhooks;

namespace Strongroom.Storage;

/// <summary>Webhook endpoints, the outbox relay, deliveries and attempts.</summary>
public abstract partial class SqlVaultStore
{
    private const string EndpointColumns =
        "id, tenant_id, url, description, event_types, enabled, secret, previous_secret, previous_secret_expires_at, created_at, updated_at";

    private const string DeliveryColumns =
        "id, tenant_id, event_id, endpoint_id, status, attempts, next_attempt_at, deadline_at, last_status_code, last_error, created_at, completed_at";

    /// <summary>A claim's deliveries with their event and endpoint (columns in <see cref="ReadDelivery"/>, <see cref="ReadEvent(DbDataReader, int)"/>, <see cref="ReadEndpoint"/> order), built once.</summary>
    private static readonly string ClaimedDeliveriesQuery =
        $"SELECT {Aliased("d", DeliveryColumns)}, {Aliased("e", EventColumns)}, {Aliased("w", EndpointColumns)} FROM webhook_deliveries d " +
        "JOIN events e ON e.id = d.event_id JOIN webhook_endpoints w ON w.id = d.endpoint_id WHERE d.claim_id = @claim";

    /// <summary>
    /// Appended to the relay's event query so that concurrent relays on several nodes take different events instead of
    /// queueing on the same rows. Empty where a write transaction already excludes every other writer (SQLite).
    /// </summary>
    protected virtual string SkipLockedClause => "";

    /// <summary>The same for the claim's subquery, which joins: only the deliveries' rows are locked.</summary>
    protected virtual string SkipLockedDeliveriesClause => "";

    public async Task<WebhookBacklog> CountWebhookBacklogAsync(CancellationToken cancellationToken)
    {
        // Both counts use partial indexes (events_pending, webhook_deliveries_due).
        IReadOnlyList<WebhookBacklog> rows = await QueryAsync(
            "SELECT (SELECT COUNT(*) FROM events WHERE dispatched_at IS NULL), " +
            "(SELECT COUNT(*) FROM webhook_deliveries WHERE status = 1)",
            r => new WebhookBacklog(Convert.ToInt64(r.GetValue(0), System.Globalization.CultureInfo.InvariantCulture), Convert.ToInt64(r.GetValue(1), System.Globalization.CultureInfo.InvariantCulture)),
            cancellationToken);
        return rows[0];
    }

    public async Task InsertWebhookEndpointAsync(WebhookEndpointRecord endpoint, CancellationToken cancellationToken)
    {
        WebhookEndpointRecord e = endpoint;
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null,
            $"INSERT INTO webhook_endpoints ({EndpointColumns}) VALUES (@id, @t, @url, @description, @types, @enabled, @secret, @previous, @previousExpires, @created, @updated)",
            cancellationToken,
            ("id", IdParameter(e.Id)), ("t", IdParameter(e.TenantId)), ("url", e.Url), ("description", e.Description),
            ("types", WebhookEventTypesJson.Serialize(e.EventTypes)), ("enabled", e.Enabled ? 1 : 0), ("secret", e.Secret), ("previous", e.PreviousSecret),
            ("previousExpires", Ms(e.PreviousSecretExpiresAt)), ("created", Ms(e.CreatedAt)), ("updated", Ms(e.UpdatedAt)));
    }

    public async Task<WebhookEndpointRecord?> GetWebhookEndpointAsync(Guid tenantId, Guid endpointId, CancellationToken cancellationToken)
    {
        IReadOnlyList<WebhookEndpointRecord> rows = await QueryAsync($"SELECT {EndpointColumns} FROM webhook_endpoints WHERE tenant_id = @t AND id = @id",
            r => ReadEndpoint(r, 0), cancellationToken, ("t", IdParameter(tenantId)), ("id", IdParameter(endpointId)));
        return rows.Count == 0 ? null : rows[0];
    }

    public Task<IReadOnlyList<WebhookEndpointRecord>> ListWebhookEndpointsAsync(Guid tenantId, CancellationToken cancellationToken) =>
        QueryAsync($"SELECT {EndpointColumns} FROM webhook_endpoints WHERE tenant_id = @t ORDER BY created_at, id",
            r => ReadEndpoint(r, 0), cancellationToken, ("t", IdParameter(tenantId)));

    public async Task<bool> UpdateWebhookEndpointAsync(WebhookEndpointRecord endpoint, CancellationToken cancellationToken)
    {
        WebhookEndpointRecord e = endpoint;
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null,
            "UPDATE webhook_endpoints SET url = @url, description = @description, event_types = @types, enabled = @enabled, secret = @secret, " +
            "previous_secret = @previous, previous_secret_expires_at = @previousExpires, updated_at = @updated WHERE tenant_id = @t AND id = @id",
            cancellationToken,
            ("id", IdParameter(e.Id)), ("t", IdParameter(e.TenantId)), ("url", e.Url), ("description", e.Description),
            ("types", WebhookEventTypesJson.Serialize(e.EventTypes)), ("enabled", e.Enabled ? 1 : 0), ("secret", e.Secret), ("previous", e.PreviousSecret),
            ("previousExpires", Ms(e.PreviousSecretExpiresAt)), ("updated", Ms(e.UpdatedAt))) == 1;
    }

    public async Task<bool> DeleteWebhookEndpointAsync(Guid tenantId, Guid endpointId, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null, "DELETE FROM webhook_endpoints WHERE tenant_id = @t AND id = @id", cancellationToken,
            ("t", IdParameter(tenantId)), ("id", IdParameter(endpointId))) == 1;
    }

    public async Task<int> RelayEventsAsync(DateTimeOffset now, TimeSpan deadlineAfter, int batchSize, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        IReadOnlyList<VaultEvent> events = await QueryAsync(connection, transaction,
            $"SELECT {EventColumns} FROM events WHERE dispatched_at IS NULL ORDER BY seq LIMIT @n{SkipLockedClause}",
            ReadEvent, cancellationToken, ("n", batchSize));
        if (events.Count == 0)
        {
            await transaction.RollbackAsync(cancellationToken);
            return 0;
        }

        var endpointsByTenant = new Dictionary<Guid, IReadOnlyList<WebhookEndpointRecord>>();
        foreach (VaultEvent e in events)
        {
            if (!endpointsByTenant.TryGetValue(e.TenantId, out IReadOnlyList<WebhookEndpointRecord>? endpoints))
            {
                endpoints = await QueryAsync(connection, transaction, $"SELECT {EndpointColumns} FROM webhook_endpoints WHERE tenant_id = @t AND enabled = 1",
                    r => ReadEndpoint(r, 0), cancellationToken, ("t", IdParameter(e.TenantId)));
                endpointsByTenant[e.TenantId] = endpoints;
            }

            // An endpoint receives what happens from its creation on, not a backlog that was still being relayed.
            foreach (WebhookEndpointRecord endpoint in endpoints.Where(x => x.CreatedAt <= e.CreatedAt && VaultEventTypes.Matches(x.EventTypes, e.Type)))
            {
                await UpsertDeliveryAsync(connection, transaction, e.TenantId, e.Id, endpoint.Id, now, now + deadlineAfter, reset: false, cancellationToken);
            }

            await ExecuteAsync(connection, transaction, "UPDATE events SET dispatched_at = @now WHERE id = @id", cancellationToken,
                ("now", Ms(now)), ("id", IdParameter(e.Id)));
        }

        await transaction.CommitAsync(cancellationToken);
        return events.Count;
    }

    public async Task<IReadOnlyList<ClaimedDelivery>> ClaimDueDeliveriesAsync(Guid claimId, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);

        // PostgreSQL: concurrent claimers skip each other's locked rows (so each takes a different batch), and the outer
        // conditions repeat the inner ones, so a row claimed meanwhile is re-checked against them and left alone.
        int claimed = await ExecuteAsync(connection, null,
            "UPDATE webhook_deliveries SET claim_id = @claim, next_attempt_at = @lease WHERE id IN (" +
            "SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id " +
            $"WHERE d.status = 1 AND d.next_attempt_at <= @now AND w.enabled = 1 ORDER BY d.next_attempt_at LIMIT @n{SkipLockedDeliveriesClause}) " +
            "AND status = 1 AND next_attempt_at <= @now",
            cancellationToken, ("claim", IdParameter(claimId)), ("lease", Ms(leaseUntil)), ("now", Ms(now)), ("n", limit));
        if (claimed == 0)
        {
            return [];
        }

        return await QueryAsync(connection, null, ClaimedDeliveriesQuery,
            r => new ClaimedDelivery(ReadDelivery(r), claimId, ReadEvent(r, 12), ReadEndpoint(r, 19)),
            cancellationToken, ("claim", IdParameter(claimId)));
    }

    public async Task<bool> RecordWebhookAttemptAsync(WebhookAttempt attempt, Guid claimId, WebhookAttemptOutcome outcome, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        bool finished = outcome.Status != WebhookDeliveryStatus.Pending;
        int updated = await ExecuteAsync(connection, transaction,
            "UPDATE webhook_deliveries SET status = @status, attempts = attempts + 1, next_attempt_at = @next, last_status_code = @code, last_error = @error, " +
            "completed_at = @completed, claim_id = NULL WHERE id = @id AND claim_id = @claim",
            cancellationToken,
            ("status", (int)outcome.Status), ("next", Ms(outcome.NextAttemptAt)), ("code", attempt.StatusCode), ("error", attempt.Error),
            ("completed", finished ? Ms(attempt.StartedAt.AddMilliseconds(attempt.DurationMs)) : null), ("id", IdParameter(attempt.DeliveryId)), ("claim", IdParameter(claimId)));
        if (updated != 1)
        {
            await transaction.RollbackAsync(cancellationToken);
            return false;
        }

        await ExecuteAsync(connection, transaction,
            "INSERT INTO webhook_attempts (id, delivery_id, tenant_id, attempt, started_at, duration_ms, status_code, error, succeeded) " +
            "VALUES (@id, @delivery, @t, @attempt, @started, @duration, @code, @error, @succeeded)",
            cancellationToken,
            ("id", IdParameter(attempt.Id)), ("delivery", IdParameter(attempt.DeliveryId)), ("t", IdParameter(attempt.TenantId)), ("attempt", attempt.Attempt),
            ("started", Ms(attempt.StartedAt)), ("duration", attempt.DurationMs), ("code", attempt.StatusCode), ("error", attempt.Error), ("succeeded", attempt.Succeeded ? 1 : 0));
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<VaultEvent?> GetEventAsync(Guid tenantId, Guid eventId, CancellationToken cancellationToken)
    {
        IReadOnlyList<VaultEvent> rows = await QueryAsync($"SELECT {EventColumns} FROM events WHERE tenant_id = @t AND id = @id", ReadEvent,
            cancellationToken, ("t", IdParameter(tenantId)), ("id", IdParameter(eventId)));
        return rows.Count == 0 ? null : rows[0];
    }

    public Task<IReadOnlyList<VaultEvent>> ListTenantEventsAsync(Guid tenantId, string? type, Guid? after, int limit, CancellationToken cancellationToken) =>
        QueryAsync(
            $"SELECT {EventColumns} FROM events WHERE tenant_id = @t" + (type is null ? "" : " AND type = @type") + (after is null ? "" : " AND id > @after") +
            " ORDER BY id LIMIT @n",
            ReadEvent, cancellationToken,
            ("t", IdParameter(tenantId)), ("type", type), ("after", after is Guid a ? IdParameter(a) : null), ("n", limit));

    public Task<IReadOnlyList<WebhookDelivery>> ListWebhookDeliveriesAsync(Guid tenantId, Guid? eventId, Guid? endpointId, WebhookDeliveryStatus? status, int limit, CancellationToken cancellationToken) =>
        QueryAsync(
            $"SELECT {DeliveryColumns} FROM webhook_deliveries WHERE tenant_id = @t" +
            (eventId is null ? "" : " AND event_id = @event") + (endpointId is null ? "" : " AND endpoint_id = @endpoint") + (status is null ? "" : " AND status = @status") +
            " ORDER BY created_at DESC, id LIMIT @n",
            ReadDelivery, cancellationToken,
            ("t", IdParameter(tenantId)), ("event", eventId is Guid e ? IdParameter(e) : null), ("endpoint", endpointId is Guid p ? IdParameter(p) : null),
            ("status", status is { } s ? (int)s : null), ("n", limit));

    public Task<IReadOnlyList<WebhookAttemptView>> ListWebhookAttemptsAsync(Guid tenantId, Guid eventId, CancellationToken cancellationToken) =>
        QueryAsync(
            "SELECT a.id, a.delivery_id, a.tenant_id, a.attempt, a.started_at, a.duration_ms, a.status_code, a.error, a.succeeded, d.endpoint_id " +
            "FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.tenant_id = @t AND d.event_id = @event ORDER BY a.started_at, a.attempt",
            r => new WebhookAttemptView(
                new WebhookAttempt(r.GetGuid(0), r.GetGuid(1), r.GetGuid(2), r.GetInt32(3), FromMs(r.GetInt64(4)), r.GetInt32(5),
                    r.IsDBNull(6) ? null : r.GetInt32(6), r.IsDBNull(7) ? null : r.GetString(7), r.GetInt32(8) != 0),
                r.GetGuid(9)),
            cancellationToken, ("t", IdParameter(tenantId)), ("event", IdParameter(eventId)));

    public async Task<IReadOnlyList<WebhookDelivery>> RedeliverAsync(Guid tenantId, Guid eventId, IReadOnlyList<Guid> endpointIds, DateTimeOffset now, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (Guid endpointId in endpointIds)
        {
            await UpsertDeliveryAsync(connection, transaction, tenantId, eventId, endpointId, now, deadline, reset: true, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return await ListWebhookDeliveriesAsync(tenantId, eventId, null, null, 1000, cancellationToken);
    }

    public async Task<int> PurgeEventsAsync(DateTimeOffset createdBefore, int batchSize, CancellationToken cancellationToken)
    {
        // Network token events are the token's own history (GET /api/network/tokens/{id}/events): they stay with it.
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null,
            "DELETE FROM events WHERE id IN (SELECT e.id FROM events e WHERE e.created_at < @before AND e.dispatched_at IS NOT NULL " +
            "AND e.type NOT LIKE 'network\\_token.%' ESCAPE '\\' " +
            "AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.status = 1) LIMIT @n)",
            cancellationToken, ("before", Ms(createdBefore)), ("n", batchSize));
    }

    /// <summary>
    /// Creates the event's delivery to the endpoint; with <paramref name="reset"/>, an existing one not held by a dispatcher
    /// becomes pending and due again (manual redelivery). The endpoint must be the tenant's: the insert selects it.
    /// </summary>
    private Task<int> UpsertDeliveryAsync(DbConnection connection, DbTransaction transaction, Guid tenantId, Guid eventId, Guid endpointId, DateTimeOffset now, DateTimeOffset deadline, bool reset, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction,
            "INSERT INTO webhook_deliveries (id, tenant_id, event_id, endpoint_id, status, attempts, next_attempt_at, deadline_at, created_at) " +
            "SELECT @id, w.tenant_id, @event, w.id, 1, 0, @now, @deadline, @now FROM webhook_endpoints w WHERE w.id = @endpoint AND w.tenant_id = @t " +
            (reset
                ? "ON CONFLICT (event_id, endpoint_id) DO UPDATE SET status = 1, next_attempt_at = @now, deadline_at = @deadline, completed_at = NULL WHERE webhook_deliveries.claim_id IS NULL"
                : "ON CONFLICT (event_id, endpoint_id) DO NOTHING"),
            cancellationToken,
            ("id", IdParameter(Guid.CreateVersion7(now))), ("event", IdParameter(eventId)), ("endpoint", IdParameter(endpointId)), ("t", IdParameter(tenantId)),
            ("now", Ms(now)), ("deadline", Ms(deadline)));

    private static string Aliased(string alias, string columns) => string.Join(", ", columns.Split(", ").Select(c => alias + "." + c));

    private static WebhookEndpointRecord ReadEndpoint(DbDataReader r, int o) => new(
        r.GetGuid(o), r.GetGuid(o + 1), r.GetString(o + 2), r.IsDBNull(o + 3) ? null : r.GetString(o + 3), WebhookEventTypesJson.Deserialize(r.GetString(o + 4)),
        r.GetInt32(o + 5) != 0, (byte[])r.GetValue(o + 6), r.IsDBNull(o + 7) ? null : (byte[])r.GetValue(o + 7), FromMsOrNull(r, o + 8),
        FromMs(r.GetInt64(o + 9)), FromMs(r.GetInt64(o + 10)));

    private static WebhookDelivery ReadDelivery(DbDataReader r) => new(
        r.GetGuid(0), r.GetGuid(1), r.GetGuid(2), r.GetGuid(3), (WebhookDeliveryStatus)r.GetInt32(4), r.GetInt32(5), FromMs(r.GetInt64(6)), FromMs(r.GetInt64(7)),
        r.IsDBNull(8) ? null : r.GetInt32(8), r.IsDBNull(9) ? null : r.GetString(9), FromMs(r.GetInt64(10)), FromMsOrNull(r, 11));

    private static VaultEvent ReadEvent(DbDataReader r, int o) =>
        new(r.GetGuid(o), r.GetGuid(o + 1), r.GetString(o + 2), r.GetString(o + 3), r.GetString(o + 4), FromMs(r.GetInt64(o + 5)), FromMsOrNull(r, o + 6));
}
