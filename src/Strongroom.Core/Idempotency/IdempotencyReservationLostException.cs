namespace Strongroom.Core.Idempotency;

/// <summary>
/// The request's idempotency reservation was taken over by a retry (it had looked abandoned) before the request could commit:
/// the change was rolled back, nothing was stored, and the retry's answer is the one that counts.
/// </summary>
public sealed class IdempotencyReservationLostException : Exception
{
    public IdempotencyReservationLostException()
        : base("The idempotency reservation was taken over by another request; nothing was written.")
    {
    }

    public IdempotencyReservationLostException(string message)
        : base(message)
    {
    }

    public IdempotencyReservationLostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
