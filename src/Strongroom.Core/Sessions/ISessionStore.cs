using Strongroom.Core.Events;
using Strongroom.Core.Idempotency;

namespace Strongroom.Core.Sessions;

/// <summary>Card-entry sessions: single completion is a compare-and-set written with the token it creates.</summary>
public interface ISessionStore
{
    /// <summary>Inserts the session and, when given, the completed idempotency key of the request that opened it, atomically.</summary>
    Task InsertSessionAsync(SessionRecord session, IdempotencyCompletion? completion, CancellationToken cancellationToken);

    /// <summary>The tenant's session in whatever state it is (expired ones stay readable until purged), or null.</summary>
    Task<SessionRecord?> GetSessionAsync(Guid tenantId, Guid sessionId, CancellationToken cancellationToken);

    /// <summary>
    /// The session by id alone. Only the hosted card form uses this: there the unguessable session id is
    /// the cardholder's capability, and the session itself names its tenant.
    /// </summary>
    Task<SessionRecord?> FindSessionAsync(Guid sessionId, CancellationToken cancellationToken);

    /// <summary>
    /// Counts a failed completion attempt on an open session, locking it when the count reaches
    /// <paramref name="maxFailedAttempts"/>; returns the new count, or null if the session was not open.
    /// </summary>
    Task<int?> RecordFailedSessionAttemptAsync(Guid sessionId, int maxFailedAttempts, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Completes an open, unexpired session with <paramref name="tokenId"/>, writing <paramref name="writes"/> (the token it
    /// creates and its events) in the same transaction. Nothing is written unless the result is <see cref="SessionWriteResult.Completed"/>.
    /// </summary>
    Task<SessionWriteResult> TryCompleteSessionAsync(Guid sessionId, Guid tokenId, DateTimeOffset now, SessionCompletionWrites writes, CancellationToken cancellationToken);

    /// <summary>
    /// Marks up to <paramref name="batchSize"/> sessions that expired unfinished (still open at <paramref name="now"/> past their expiry)
    /// as announced, recording <paramref name="expired"/>'s event for each in the same transaction; returns how many.
    /// </summary>
    Task<int> AnnounceExpiredSessionsAsync(DateTimeOffset now, int batchSize, Func<SessionRecord, VaultEvent> expired, CancellationToken cancellationToken);

    /// <summary>Deletes sessions that expired at or before <paramref name="expiredBefore"/>.</summary>
    Task<int> PurgeSessionsAsync(DateTimeOffset expiredBefore, CancellationToken cancellationToken);
}
