namespace Strongroom.Core.Webhooks;

/// <summary>Webhook endpoints, the outbox relay, deliveries and their attempts.</summary>
public interface IWebhookStore
{
    Task InsertWebhookEndpointAsync(WebhookEndpointRecord endpoint, CancellationToken cancellationToken);

    Task<WebhookEndpointRecord?> GetWebhookEndpointAsync(Guid tenantId, Guid endpointId, CancellationToken cancellationToken);

    /// <summary>The tenant's endpoints, oldest first.</summary>
    Task<IReadOnlyList<WebhookEndpointRecord>> ListWebhookEndpointsAsync(Guid tenantId, CancellationToken cancellationToken);

    /// <summary>Stores every mutable field of <paramref name="endpoint"/>; false if it no longer exists.</summary>
    Task<bool> UpdateWebhookEndpointAsync(WebhookEndpointRecord endpoint, CancellationToken cancellationToken);

    /// <summary>Deletes the endpoint with its deliveries and their attempts; false if absent.</summary>
    Task<bool> DeleteWebhookEndpointAsync(Guid tenantId, Guid endpointId, CancellationToken cancellationToken);

    /// <summary>
    /// The outbox relay: takes up to <paramref name="batchSize"/> undispatched events in order, creates a pending delivery
    /// for each enabled endpoint of the event's tenant that subscribes to its type and existed when it happened (due at once, dead after
    /// <paramref name="deadlineAfter"/>), and marks the events dispatched, in one transaction. Safe to run on several
    /// nodes: a delivery exists at most once per event and endpoint. Returns how many events it took.
    /// </summary>
    Task<int> RelayEventsAsync(DateTimeOffset now, TimeSpan deadlineAfter, int batchSize, CancellationToken cancellationToken);

    /// <summary>
    /// Claims up to <paramref name="limit"/> pending deliveries due at <paramref name="now"/> for <paramref name="claimId"/>,
    /// moving their next attempt to <paramref name="leaseUntil"/> so no other dispatcher takes them meanwhile.
    /// </summary>
    Task<IReadOnlyList<ClaimedDelivery>> ClaimDueDeliveriesAsync(Guid claimId, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Records an attempt and moves its delivery to <paramref name="outcome"/>, if the delivery is still held by
    /// <paramref name="claimId"/> (compare-and-set); false when the claim was lost (nothing written).
    /// </summary>
    Task<bool> RecordWebhookAttemptAsync(WebhookAttempt attempt, Guid claimId, WebhookAttemptOutcome outcome, CancellationToken cancellationToken);

    /// <summary>Deliveries of the tenant, newest first, filtered by event, endpoint and status when given.</summary>
    Task<IReadOnlyList<WebhookDelivery>> ListWebhookDeliveriesAsync(Guid tenantId, Guid? eventId, Guid? endpointId, WebhookDeliveryStatus? status, int limit, CancellationToken cancellationToken);

    /// <summary>Every attempt at delivering the event, in order.</summary>
    Task<IReadOnlyList<WebhookAttemptView>> ListWebhookAttemptsAsync(Guid tenantId, Guid eventId, CancellationToken cancellationToken);

    /// <summary>
    /// Makes the event's deliveries to <paramref name="endpointIds"/> pending and due now with a fresh deadline, creating the ones
    /// that do not exist (an endpoint added after the event). Returns the deliveries afterwards.
    /// </summary>
    Task<IReadOnlyList<WebhookDelivery>> RedeliverAsync(Guid tenantId, Guid eventId, IReadOnlyList<Guid> endpointIds, DateTimeOffset now, DateTimeOffset deadline, CancellationToken cancellationToken);

    /// <summary>What waits to be sent, across all tenants: events the relay has not taken yet and pending deliveries (for the backlog gauge).</summary>
    Task<WebhookBacklog> CountWebhookBacklogAsync(CancellationToken cancellationToken);
}

/// <summary>The webhook backlog: undispatched outbox events and deliveries still pending (due or retrying).</summary>
public readonly record struct WebhookBacklog(long UndispatchedEvents, long PendingDeliveries);
