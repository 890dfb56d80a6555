namespace Strongroom.Core.Idempotency;

/// <summary>
/// The response a request answers with, sealed, to be stored on its idempotency reservation in the same transaction as the
/// change the request makes. The store completes reservation <see cref="ReservationId"/> only if it is still that open
/// reservation; otherwise it throws <see cref="IdempotencyReservationLostException"/> and commits nothing, so a retry that took
/// the reservation over can never leave a second token behind.
/// </summary>
public sealed record IdempotencyCompletion(Guid TenantId, string Key, Guid ReservationId, int Status, byte[] SealedResponse);
