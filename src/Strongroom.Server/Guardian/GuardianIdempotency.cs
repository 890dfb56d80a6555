using Strongroom.Core.Idempotency;
using Strongroom.Server.Http;

namespace Strongroom.Server.Guardian;

/// <summary>
/// Applies <c>x-idempotency-key</c> to a Guardian POST: the first request runs and its response is
/// stored; a repeat with the same body replays it; the same key with another body is a 409.
/// </summary>
internal sealed class GuardianIdempotency(IdempotencyService idempotency)
{
    public const string Header = "x-idempotency-key";

    public async Task<JsonResponse> RunAsync(HttpContext http, Guid tenantId, string scope, byte[] body, Func<Task<JsonResponse>> operation)
    {
        string? key = http.Request.Headers[Header];
        if (key is null)
        {
            return await operation();
        }

        if (IdempotencyService.ValidateKey(key) is { } keyError)
        {
            return GuardianResponses.Validation("$.headers['x-idempotency-key']", keyError);
        }

        CancellationToken cancellationToken = http.RequestAborted;
        IdempotencyDecision decision = await idempotency.BeginAsync(tenantId, key, scope, body, cancellationToken);
        Guid reservationId;
        switch (decision)
        {
            case IdempotencyDecision.Replay replay:
                return new JsonResponse(replay.Status, replay.Body) { Replayed = true };
            case IdempotencyDecision.Conflict { InProgress: true }:
                return GuardianResponses.Conflict("A request with this idempotency key is still in progress");
            case IdempotencyDecision.Conflict:
                return GuardianResponses.Conflict("The idempotency key was already used with a different request");
            case IdempotencyDecision.Proceed proceed:
                reservationId = proceed.ReservationId;
                break;
            default:
                throw new InvalidOperationException("Unknown idempotency decision.");
        }

        JsonResponse response;
        try
        {
            response = await operation();
        }
        catch
        {
            // CancellationToken.None: the release must happen even when the client went away.
            await idempotency.ReleaseAsync(tenantId, key, reservationId, CancellationToken.None);
            throw;
        }

        if (response.Status >= 500)
        {
            await idempotency.ReleaseAsync(tenantId, key, reservationId, CancellationToken.None);
        }
        else
        {
            await idempotency.CompleteAsync(tenantId, key, reservationId, response.Status, response.Body, CancellationToken.None);
        }

        return response;
    }
}
