namespace Strongroom.Core.Idempotency;

/// <summary>Idempotency keys: reservations, completed responses (sealed), takeovers of abandoned reservations.</summary>
public interface IIdempotencyStore
{
    /// <summary>Inserts a reservation unless an unexpired record with the same tenant and key exists (an expired one is replaced).</summary>
    Task<bool> TryReserveIdempotencyKeyAsync(IdempotencyRecord reservation, DateTimeOffset now, CancellationToken cancellationToken);

    Task<IdempotencyRecord?> GetIdempotencyKeyAsync(Guid tenantId, string key, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Stores the response on reservation <paramref name="reservationId"/>, if it is still that reservation and still open.</summary>
    Task CompleteIdempotencyKeyAsync(Guid tenantId, string key, Guid reservationId, int status, byte[] response, CancellationToken cancellationToken);

    /// <summary>Releases reservation <paramref name="reservationId"/> (request failed), so the client may retry with the same key.</summary>
    Task ReleaseIdempotencyKeyAsync(Guid tenantId, string key, Guid reservationId, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the abandoned open reservation <paramref name="staleReservationId"/> with <paramref name="replacement"/>;
    /// false if someone else completed, released or took it over first (compare-and-swap on the id).
    /// </summary>
    Task<bool> TryTakeOverIdempotencyKeyAsync(Guid staleReservationId, IdempotencyRecord replacement, CancellationToken cancellationToken);

    Task<int> PurgeExpiredIdempotencyKeysAsync(DateTimeOffset now, CancellationToken cancellationToken);
}
