using Strongroom.Core.Idempotency;
using Strongroom.Server.Http;

namespace Strongroom.Server.Guardian;

/// <summary>
/// Applies <c>x-idempotency-key</c> to a Guardian POST: the first request runs and its response is
/// stored; a repeat with the same body replays it; the same key with another body is a 409.
/// An operation that creates or changes something hands the reservation to its service (<see cref="Reply{T}"/>), which
/// commits the completed key in the same transaction as the change; only responses without a change (validation errors,
/// refusals) are completed here afterwards.
/// </summary>
internal sealed class GuardianIdempotency(IdempotencyService idempotency)
{
    public const string Header = "x-idempotency-key";

    /// <summary>The reply for <paramref name="reservation"/> (null without a key) that renders a result with <paramref name="render"/>.</summary>
    public static IdempotentReply<T>? Reply<T>(IdempotencyReservation? reservation, Func<T, JsonResponse> render) =>
        reservation?.ReplyWith<T>(result =>
        {
            JsonResponse response = render(result);
            return new StoredResponse(response.Status, response.Body);
        });

    public async Task<JsonResponse> RunAsync(HttpContext http, Guid tenantId, string scope, byte[] body, Func<IdempotencyReservation?, Task<JsonResponse>> operation)
    {
        string? key = http.Request.Headers[Header];
        if (key is null)
        {
            return await operation(null);
        }

        if (IdempotencyService.ValidateKey(key) is { } keyError)
        {
            return GuardianResponses.Validation("$.headers['x-idempotency-key']", keyError);
        }

        CancellationToken cancellationToken = http.RequestAborted;
        IdempotencyDecision decision = await idempotency.BeginAsync(tenantId, key, scope, body, cancellationToken);
        IdempotencyReservation reservation;
        switch (decision)
        {
            case IdempotencyDecision.Replay replay:
                return new JsonResponse(replay.Status, replay.Body) { Replayed = true };
            case IdempotencyDecision.Conflict { InProgress: true }:
                return InProgress();
            case IdempotencyDecision.Conflict:
                return GuardianResponses.Conflict("The idempotency key was already used with a different request");
            case IdempotencyDecision.Proceed proceed:
                reservation = proceed.Reservation;
                break;
            default:
                throw new InvalidOperationException("Unknown idempotency decision.");
        }

        JsonResponse response;
        try
        {
            response = await operation(reservation);
        }
        catch (IdempotencyReservationLostException)
        {
            // A retry took the reservation over while this request ran; this request's change was rolled back, so the
            // retry's answer is the only one. Nothing to release: the reservation is no longer ours.
            return InProgress();
        }
        catch
        {
            // CancellationToken.None: the release must happen even when the client went away. A change that did commit
            // completed the key with itself, and the release only frees a reservation that is still open.
            await idempotency.ReleaseAsync(tenantId, key, reservation.Id, CancellationToken.None);
            throw;
        }

        if (reservation.Committed)
        {
            return response;
        }

        if (response.Status >= 500)
        {
            await idempotency.ReleaseAsync(tenantId, key, reservation.Id, CancellationToken.None);
        }
        else
        {
            await idempotency.CompleteAsync(tenantId, key, reservation.Id, response.Status, response.Body, CancellationToken.None);
        }

        return response;
    }

    private static JsonResponse InProgress() => GuardianResponses.Conflict("A request with this idempotency key is still in progress");
}
