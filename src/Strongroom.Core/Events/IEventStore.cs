namespace Strongroom.Core.Events;

/// <summary>The outbox of vault events, written with each change by the other stores; read by subject or tenant.</summary>
public interface IEventStore
{
    /// <summary>The tenant's events about <paramref name="subjectId"/>, oldest first.</summary>
    Task<IReadOnlyList<VaultEvent>> ListEventsAsync(Guid tenantId, string subjectId, CancellationToken cancellationToken);

    Task<VaultEvent?> GetEventAsync(Guid tenantId, Guid eventId, CancellationToken cancellationToken);

    /// <summary>The tenant's events, oldest first by id (ids are time-ordered), after <paramref name="after"/>, optionally of one type.</summary>
    Task<IReadOnlyList<VaultEvent>> ListTenantEventsAsync(Guid tenantId, string? type, Guid? after, int limit, CancellationToken cancellationToken);

    /// <summary>Deletes events created before <paramref name="createdBefore"/> that are dispatched and have no pending delivery; returns how many.</summary>
    Task<int> PurgeEventsAsync(DateTimeOffset createdBefore, int batchSize, CancellationToken cancellationToken);
}
