using Strongroom.Core.Crypto;

namespace Strongroom.Core.Idempotency;

/// <summary>A response as the client receives it: status and exact body bytes (what a replay sends again).</summary>
public readonly record struct StoredResponse(int Status, byte[] Body);

/// <summary>
/// An idempotency key reserved for one running request. A service that makes a change hands the reservation, with a way to
/// render its result as the response, to the store write of that change (see <see cref="IdempotentReply{T}"/>), so the change,
/// its event and the completed key commit in one transaction. <see cref="Committed"/> then tells the caller that the key is
/// complete and must not be completed or released again.
/// </summary>
public sealed class IdempotencyReservation
{
    internal IdempotencyReservation(Guid tenantId, string key, Guid id, TenantKeySet keys)
    {
        TenantId = tenantId;
        Key = key;
        Id = id;
        Keys = keys;
    }

    public Guid TenantId { get; }

    public string Key { get; }

    /// <summary>The reservation's id (compare-and-set token: a takeover replaces it).</summary>
    public Guid Id { get; }

    /// <summary>The tenant's keys, to seal the response (it can hold cardholder data) bound to <see cref="Id"/>.</summary>
    internal TenantKeySet Keys { get; }

    /// <summary>True once a change committed together with this reservation's completed response.</summary>
    public bool Committed { get; private set; }

    /// <summary>A reply for a change whose result is a <typeparamref name="T"/>; <paramref name="render"/> must be what the caller then sends.</summary>
    public IdempotentReply<T> ReplyWith<T>(Func<T, StoredResponse> render) => new(this, render);

    internal void MarkCommitted() => Committed = true;
}

/// <summary>
/// How a change's result becomes the stored idempotent response: the service renders and seals it just before its write, passes
/// the <see cref="IdempotencyCompletion"/> to the store, and marks the reservation committed once the write has committed.
/// </summary>
public sealed class IdempotentReply<T>
{
    private readonly IdempotencyReservation _reservation;
    private readonly Func<T, StoredResponse> _render;

    internal IdempotentReply(IdempotencyReservation reservation, Func<T, StoredResponse> render)
    {
        _reservation = reservation;
        _render = render;
    }

    /// <summary>Renders <paramref name="result"/> and seals it under the tenant's DEK, bound to the reservation id.</summary>
    internal IdempotencyCompletion Seal(T result)
    {
        StoredResponse response = _render(result);
        return new IdempotencyCompletion(_reservation.TenantId, _reservation.Key, _reservation.Id, response.Status,
            _reservation.Keys.Seal(RecordKind.IdempotentResponse, _reservation.Id, response.Body));
    }

    internal void MarkCommitted() => _reservation.MarkCommitted();
}
