using Microsoft.Extensions.Options;
using Strongroom.Core.Cards;
using Strongroom.Core.Crypto;

namespace Strongroom.Core.Idempotency;

/// <summary>What to do with a request that carries an idempotency key.</summary>
public abstract record IdempotencyDecision
{
    private IdempotencyDecision()
    {
    }

    /// <summary>
    /// First use of the key: run the request. A change commits the completed key with itself (<see cref="IdempotencyReservation.ReplyWith{T}"/>);
    /// otherwise finish with <see cref="IdempotencyService.CompleteAsync"/> or <see cref="IdempotencyService.ReleaseAsync"/>.
    /// </summary>
    public sealed record Proceed(IdempotencyReservation Reservation) : IdempotencyDecision
    {
        public Guid ReservationId => Reservation.Id;
    }

    /// <summary>The key was used with the same request: answer with the stored response.</summary>
    public sealed record Replay(int Status, byte[] Body) : IdempotencyDecision;

    /// <summary>The key was used with a different request, or its first request is still running.</summary>
    public sealed record Conflict(bool InProgress) : IdempotencyDecision;
}

/// <summary>
/// Idempotency keys for every POST of every dialect: the first request with a key reserves it, runs,
/// and stores its response (sealed under the tenant DEK); a repeat with the same request gets that
/// response back, a repeat with a different request is a conflict. The reservation makes two
/// concurrent requests with one key run the operation once.
/// A request that creates or changes something completes its key in the same transaction as the change, so a crash, a
/// failed write or a takeover can never leave a change behind whose key is still open: a retry either replays the
/// stored response or finds nothing committed. That is also why an open reservation may be taken over after only
/// <see cref="VaultOptions.IdempotencyReservationTimeout"/> (seconds): the request that held it can no longer commit.
/// </summary>
public sealed class IdempotencyService(IIdempotencyStore store, TenantKeyring keyring, TimeProvider time, IOptions<VaultOptions> options)
{
    public const int MaxKeyLength = 255;

    /// <summary>The header the key arrives in, in every dialect that honours one.</summary>
    public const string KeyHeader = "x-idempotency-key";
    private const string DigestDomain = "idempotency-request/v1";

    /// <summary>The key is stored in clear (it is the lookup), so one holding a card number is refused.</summary>
    public static string? ValidateKey(string key) =>
        key.Length is 0 or > MaxKeyLength || key.Any(c => c is < '!' or > '~')
            ? $"Idempotency keys must be 1 to {MaxKeyLength} printable ASCII characters without spaces."
            : PanDetector.ContainsPan(key) ? "Idempotency keys must not contain a card number."
            : null;

    /// <summary>Reserves <paramref name="key"/> for this request, or says how to answer a repeat of it.</summary>
    /// <param name="tenantId">The tenant the key belongs to (keys are per tenant).</param>
    /// <param name="key">The client's idempotency key.</param>
    /// <param name="scope">The operation (e.g. <c>POST /api/pci/tokens</c>); part of the request digest.</param>
    /// <param name="request">The request body exactly as received.</param>
    /// <param name="cancellationToken">Cancels the reservation.</param>
    public async Task<IdempotencyDecision> BeginAsync(Guid tenantId, string key, string scope, ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        FreeText.Require(KeyHeader, key);
        TenantKeySet keys = await keyring.GetAsync(tenantId, cancellationToken);
        byte[] digest = Digest(keys, scope, request.Span);
        DateTimeOffset now = time.GetUtcNow();

        var reservation = new IdempotencyRecord(Guid.NewGuid(), tenantId, key, digest, null, null, now, now + options.Value.IdempotencyKeyTtl);
        if (await store.TryReserveIdempotencyKeyAsync(reservation, now, cancellationToken))
        {
            return new IdempotencyDecision.Proceed(new IdempotencyReservation(tenantId, key, reservation.Id, keys));
        }

        IdempotencyRecord? existing = await store.GetIdempotencyKeyAsync(tenantId, key, now, cancellationToken);
        if (existing is null)
        {
            // Expired between the two statements: try once more, then give up as in-progress.
            return await store.TryReserveIdempotencyKeyAsync(reservation, now, cancellationToken)
                ? new IdempotencyDecision.Proceed(new IdempotencyReservation(tenantId, key, reservation.Id, keys))
                : new IdempotencyDecision.Conflict(InProgress: true);
        }

        if (!System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(existing.RequestDigest, digest))
        {
            return new IdempotencyDecision.Conflict(InProgress: false);
        }

        if (existing.Status is not int status || existing.Response is null)
        {
            // The first request died without completing or releasing: one retry may take over, by
            // compare-and-swap on the stale reservation's id, so concurrent retries cannot all proceed.
            if (now - existing.CreatedAt > options.Value.IdempotencyReservationTimeout
                && await store.TryTakeOverIdempotencyKeyAsync(existing.Id, reservation, cancellationToken))
            {
                return new IdempotencyDecision.Proceed(new IdempotencyReservation(tenantId, key, reservation.Id, keys));
            }

            return new IdempotencyDecision.Conflict(InProgress: true);
        }

        return new IdempotencyDecision.Replay(status, await keyring.OpenAsync(tenantId, RecordKind.IdempotentResponse, existing.Id, existing.Response, cancellationToken));
    }

    /// <summary>Stores the response of the request that got <see cref="IdempotencyDecision.Proceed"/>.</summary>
    public async Task CompleteAsync(Guid tenantId, string key, Guid reservationId, int status, byte[] body, CancellationToken cancellationToken)
    {
        TenantKeySet keys = await keyring.GetAsync(tenantId, cancellationToken);
        byte[] sealedBody = keys.Seal(RecordKind.IdempotentResponse, reservationId, body);
        await store.CompleteIdempotencyKeyAsync(tenantId, key, reservationId, status, sealedBody, cancellationToken);
    }

    /// <summary>Frees the key after a failed request so the client can retry it.</summary>
    public Task ReleaseAsync(Guid tenantId, string key, Guid reservationId, CancellationToken cancellationToken) =>
        store.ReleaseIdempotencyKeyAsync(tenantId, key, reservationId, cancellationToken);

    private static byte[] Digest(TenantKeySet keys, string scope, ReadOnlySpan<byte> request)
    {
        byte[] scopeBytes = System.Text.Encoding.UTF8.GetBytes(scope);
        var buffer = new byte[scopeBytes.Length + 1 + request.Length];
        scopeBytes.CopyTo(buffer, 0);
        request.CopyTo(buffer.AsSpan(scopeBytes.Length + 1));
        try
        {
            return keys.KeyedDigest(DigestDomain, buffer);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(buffer);
        }
    }
}
