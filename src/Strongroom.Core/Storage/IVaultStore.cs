using Strongroom.Core.Audit;
using Strongroom.Core.Bins;
using Strongroom.Core.Crypto;
using Strongroom.Core.Events;
using Strongroom.Core.Forwarding;
using Strongroom.Core.Idempotency;
using Strongroom.Core.Keys;
using Strongroom.Core.NetworkTokens;
using Strongroom.Core.Sessions;
using Strongroom.Core.Tenancy;
using Strongroom.Core.Tokens;

namespace Strongroom.Core.Storage;

/// <summary>
/// The one storage contract of the vault. SQLite (embedded default) and PostgreSQL (scale-out)
/// implement it with hand-written SQL and pass the same contract test suite. Every read and write
/// of tenant data is scoped by tenant id: isolation is enforced in the query, not just the caller.
/// </summary>
public partial interface IVaultStore
{
    /// <summary>Engine name for logs and readiness (<c>sqlite</c>, <c>postgres</c>).</summary>
    string Engine { get; }

    /// <summary>Applies pending schema migrations. Safe to call from several nodes at once.</summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>True when the database answers a trivial query.</summary>
    Task<bool> PingAsync(CancellationToken cancellationToken);

    // Tenants and their keys.

    /// <summary>Creates a tenant together with its initial wrapped keys, atomically.</summary>
    Task CreateTenantAsync(Tenant tenant, IReadOnlyList<TenantKeyRecord> keys, CancellationToken cancellationToken);

    Task<Tenant?> GetTenantAsync(Guid tenantId, CancellationToken cancellationToken);

    Task<IReadOnlyList<Tenant>> ListTenantsAsync(CancellationToken cancellationToken);

    /// <summary>The sub-accounts of an account, oldest first.</summary>
    Task<IReadOnlyList<Tenant>> ListSubAccountsAsync(Guid accountId, CancellationToken cancellationToken);

    Task<IReadOnlyList<TenantKeyRecord>> GetTenantKeysAsync(Guid tenantId, CancellationToken cancellationToken);

    // Key management (rotation, shredding).

    /// <summary>Adds a tenant key version (a new DEK on rotation).</summary>
    Task AddTenantKeyAsync(TenantKeyRecord key, CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="key"/>'s new wrapping if the stored one is still under <paramref name="expectedKekVersion"/> (compare-and-set).</summary>
    Task<bool> RewrapTenantKeyAsync(TenantKeyRecord key, int expectedKekVersion, CancellationToken cancellationToken);

    /// <summary>Deletes the tenant's keys of <paramref name="purpose"/> older than <paramref name="keepFromVersion"/>; returns how many.</summary>
    Task<int> DeleteTenantKeysBelowAsync(Guid tenantId, TenantKeyPurpose purpose, int keepFromVersion, CancellationToken cancellationToken);

    /// <summary>The KEK versions some stored tenant key is still wrapped under.</summary>
    Task<IReadOnlyList<int>> ListKekVersionsInUseAsync(CancellationToken cancellationToken);

    /// <summary>A batch of the tenant's non-empty sealed values in <paramref name="column"/>, by record id after <paramref name="after"/>.</summary>
    Task<IReadOnlyList<SealedValue>> ListSealedAsync(SealedColumn column, Guid tenantId, Guid? after, int limit, CancellationToken cancellationToken);

    /// <summary>How many non-empty sealed values the tenant has in <paramref name="column"/> (for progress).</summary>
    Task<long> CountSealedAsync(SealedColumn column, Guid tenantId, CancellationToken cancellationToken);

    /// <summary>Replaces a sealed value if it still is <paramref name="expected"/> (a concurrent write or delete wins).</summary>
    Task<bool> ReplaceSealedAsync(SealedColumn column, Guid tenantId, Guid recordId, byte[] expected, byte[] replacement, CancellationToken cancellationToken);

    Task InsertRotationJobAsync(RotationJob job, CancellationToken cancellationToken);

    Task UpdateRotationJobAsync(RotationJob job, CancellationToken cancellationToken);

    /// <summary>Rotation jobs, newest first; all tenants' when <paramref name="tenantId"/> is null.</summary>
    Task<IReadOnlyList<RotationJob>> ListRotationJobsAsync(Guid? tenantId, CancellationToken cancellationToken);

    /// <summary>Deletes the tenant and everything it owns (keys, tokens, sessions, keys, jobs) in one statement; false if absent.</summary>
    Task<bool> DeleteTenantAsync(Guid tenantId, CancellationToken cancellationToken);

    // Forwarding.

    Task<IReadOnlyList<ForwardDestination>> ListForwardDestinationsAsync(Guid tenantId, CancellationToken cancellationToken);

    /// <summary>Replaces the tenant's destination allowlist in one transaction.</summary>
    Task ReplaceForwardDestinationsAsync(Guid tenantId, IReadOnlyList<ForwardDestination> destinations, CancellationToken cancellationToken);

    /// <summary>The cryptogram a reference names (by the reference's keyed digest), within the tenant, or null.</summary>
    Task<CryptogramRecord?> GetCryptogramByReferenceAsync(Guid tenantId, byte[] referenceDigest, CancellationToken cancellationToken);

    /// <summary>Reserves a cryptogram's reference for a forward (compare-and-set: unredeemed, unused, unexpired); false otherwise.</summary>
    Task<bool> TryRedeemCryptogramReferenceAsync(Guid tenantId, Guid tokenId, long counter, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Undoes <see cref="TryRedeemCryptogramReferenceAsync"/> when the forward failed (only if still redeemed at <paramref name="redeemedAt"/>).</summary>
    Task<bool> ReleaseCryptogramReferenceAsync(Guid tenantId, Guid tokenId, long counter, DateTimeOffset redeemedAt, CancellationToken cancellationToken);

    // Audit log.

    Task<AuditEntry?> GetLastAuditEntryAsync(CancellationToken cancellationToken);

    /// <summary>Appends <paramref name="entry"/>; false when its <see cref="AuditEntry.Seq"/> is taken (another writer won: re-read and retry).</summary>
    Task<bool> TryAppendAuditEntryAsync(AuditEntry entry, CancellationToken cancellationToken);

    /// <summary>Entries matching <paramref name="query"/>, oldest first, after <see cref="AuditQuery.AfterSeq"/>.</summary>
    Task<IReadOnlyList<AuditEntry>> ListAuditEntriesAsync(AuditQuery query, CancellationToken cancellationToken);

    // API keys.

    /// <summary>Inserts the key and its <c>api_key.created</c> event, atomically.</summary>
    Task CreateApiKeyAsync(ApiKeyRecord key, VaultEvent created, CancellationToken cancellationToken);

    Task<ApiKeyRecord?> GetApiKeyAsync(string keyId, CancellationToken cancellationToken);

    Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(Guid tenantId, CancellationToken cancellationToken);

    /// <summary>Revokes the key and records <paramref name="deleted"/>, atomically; false (nothing written) if it was absent or already revoked.</summary>
    Task<bool> RevokeApiKeyAsync(Guid tenantId, string keyId, DateTimeOffset revokedAt, VaultEvent deleted, CancellationToken cancellationToken);

    // Signing keys (HMAC-signed dialects such as WhiteBIT v4).

    /// <summary>Inserts the key and its <c>api_key.created</c> event, atomically.</summary>
    Task CreateSigningKeyAsync(SigningKeyRecord key, VaultEvent created, CancellationToken cancellationToken);

    Task<SigningKeyRecord?> GetSigningKeyByPublicKeyAsync(string publicKey, CancellationToken cancellationToken);

    Task<SigningKeyRecord?> GetSigningKeyAsync(Guid tenantId, Guid keyId, CancellationToken cancellationToken);

    Task<IReadOnlyList<SigningKeyRecord>> ListSigningKeysAsync(Guid tenantId, int limit, int offset, CancellationToken cancellationToken);

    Task<int> CountSigningKeysAsync(Guid tenantId, CancellationToken cancellationToken);

    /// <summary>Updates title, enabled flag, access restriction, endpoints and (on reset) the sealed secret.</summary>
    Task<bool> UpdateSigningKeyAsync(SigningKeyRecord key, CancellationToken cancellationToken);

    /// <summary>Deletes the key and records <paramref name="deleted"/>, atomically; false (nothing written) if absent.</summary>
    Task<bool> DeleteSigningKeyAsync(Guid tenantId, Guid keyId, VaultEvent deleted, CancellationToken cancellationToken);

    /// <summary>
    /// Records a use of the key with <paramref name="nonce"/> if it is greater than every nonce used before
    /// (compare-and-set, so concurrent replays cannot both pass); with <paramref name="requireIncrease"/> false
    /// only the activity time is updated. False when the nonce was not greater.
    /// </summary>
    Task<bool> TryUseSigningKeyAsync(Guid keyId, long nonce, bool requireIncrease, DateTimeOffset now, CancellationToken cancellationToken);

    // Instance settings (e.g. the admin token hash).

    Task<string?> GetSettingAsync(string name, CancellationToken cancellationToken);

    /// <summary>Sets <paramref name="name"/> to <paramref name="value"/> unless it already holds a value for an order greater than <paramref name="order"/> (values start with <c>order:</c>).</summary>
    Task SetSettingIfNewerAsync(string name, string value, long order, CancellationToken cancellationToken);

    /// <summary>Stores a setting only if it is absent; returns false if another writer got there first.</summary>
    Task<bool> TryAddSettingAsync(string name, string value, CancellationToken cancellationToken);

    // PCI tokens.

    /// <summary>
    /// Inserts the token, its <c>pci_token.created</c> event and, when given, the completed idempotency key, atomically
    /// (<see cref="IdempotencyReservationLostException"/> and nothing written when the reservation was taken over).
    /// An engine with one writer at a time (SQLite) groups concurrent calls into one transaction (group commit); the call
    /// still returns only once its own token is durable.
    /// </summary>
    Task InsertPciTokenAsync(PciTokenRecord token, VaultEvent created, IdempotencyCompletion? completion, CancellationToken cancellationToken);

    /// <summary>Inserts several tokens, each with its event and idempotency completion, in one transaction: all or none.</summary>
    Task InsertPciTokensAsync(IReadOnlyList<PciTokenInsert> tokens, CancellationToken cancellationToken);

    /// <summary>The token, or null if it does not exist, belongs to another tenant, or expired before <paramref name="now"/>.</summary>
    Task<PciTokenRecord?> GetPciTokenAsync(Guid tenantId, Guid tokenId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Unexpired tokens ordered by id, strictly after <paramref name="after"/> when given.</summary>
    Task<IReadOnlyList<PciTokenRecord>> ListPciTokensAsync(Guid tenantId, Guid? after, int limit, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the token's row and records <paramref name="deleted"/>, atomically. False (nothing written) if there was no such token for this tenant. (SQLite zero-fills freed pages;
    /// PostgreSQL keeps the dead tuple, still ciphertext, until vacuum: see docs/security.md.)
    /// </summary>
    Task<bool> DeletePciTokenAsync(Guid tenantId, Guid tokenId, VaultEvent deleted, CancellationToken cancellationToken);

    /// <summary>Erases up to <paramref name="batchSize"/> expired tokens, recording <paramref name="expired"/>'s event for each in the same transaction; returns their ids.</summary>
    Task<IReadOnlyList<(Guid TenantId, Guid TokenId)>> PurgeExpiredPciTokensAsync(DateTimeOffset now, int batchSize, Func<Guid, Guid, VaultEvent> expired, CancellationToken cancellationToken);

    // Fiat-gateway card tokens.

    Task InsertCardTokenAsync(CardTokenRecord token, CancellationToken cancellationToken);

    Task<CardTokenRecord?> GetCardTokenAsync(Guid tenantId, Guid tokenId, CancellationToken cancellationToken);

    // Sessions.

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

    // Network tokens.

    /// <summary>
    /// Inserts the token, its creation event and, when given, the completed idempotency key; false (nothing written) when the
    /// tenant already has a live network token for the card.
    /// </summary>
    Task<bool> InsertNetworkTokenAsync(NetworkTokenRecord token, VaultEvent created, IdempotencyCompletion? completion, CancellationToken cancellationToken);

    Task<NetworkTokenRecord?> GetNetworkTokenAsync(Guid tenantId, Guid tokenId, CancellationToken cancellationToken);

    /// <summary>
    /// Moves the token from the state in <paramref name="current"/> (compare-and-set on status and suspending parties) to
    /// <paramref name="status"/>, recording <paramref name="change"/>; <paramref name="eraseCardData"/> empties the sealed card and token PAN.
    /// False when the token changed meanwhile.
    /// </summary>
    Task<bool> UpdateNetworkTokenStatusAsync(NetworkTokenRecord current, NetworkTokenStatus status, SuspensionParties suspendedBy, bool eraseCardData, DateTimeOffset now, VaultEvent change, IdempotencyCompletion? completion, CancellationToken cancellationToken);

    /// <summary>
    /// Takes the next cryptogram counter of an active token and records the cryptogram (<paramref name="cryptogram"/>'s counter is
    /// ignored) with its event and, when <paramref name="completeFor"/> is given, the completed idempotency key it renders for the
    /// counter taken, atomically; returns the counter, or null when the token is not active.
    /// </summary>
    Task<long?> IssueCryptogramAsync(CryptogramRecord cryptogram, VaultEvent issued, Func<long, IdempotencyCompletion>? completeFor, CancellationToken cancellationToken);

    Task<CryptogramRecord?> GetCryptogramAsync(Guid tenantId, Guid tokenId, long counter, CancellationToken cancellationToken);

    /// <summary>Marks an unused, unexpired cryptogram used (single use, compare-and-set); false otherwise.</summary>
    Task<bool> UseCryptogramAsync(Guid tenantId, Guid tokenId, long counter, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Deletes cryptogram records that expired at or before <paramref name="expiredBefore"/>.</summary>
    Task<int> PurgeCryptogramsAsync(DateTimeOffset expiredBefore, CancellationToken cancellationToken);

    /// <summary>The tenant's events about <paramref name="subjectId"/>, oldest first.</summary>
    Task<IReadOnlyList<VaultEvent>> ListEventsAsync(Guid tenantId, string subjectId, CancellationToken cancellationToken);

    // Single-use card tokens (Tap dialect).

    Task InsertSingleUseTokenAsync(SingleUseTokenRecord token, CancellationToken cancellationToken);

    /// <summary>The token by its public id (<c>tok_…</c>) within the tenant, used or not, until purged.</summary>
    Task<SingleUseTokenRecord?> GetSingleUseTokenAsync(Guid tenantId, string publicId, CancellationToken cancellationToken);

    /// <summary>
    /// Uses the token up (compare-and-set: unused and unexpired), erasing its sealed card and address, and inserts
    /// <paramref name="newToken"/> (when given), <paramref name="events"/> and the completed idempotency key (when given) in the same transaction.
    /// False (nothing written) when already used or expired.
    /// </summary>
    Task<bool> TryUseSingleUseTokenAsync(Guid tenantId, string publicId, DateTimeOffset now, PciTokenRecord? newToken, IReadOnlyList<VaultEvent> events, IdempotencyCompletion? completion, CancellationToken cancellationToken);

    /// <summary>Erases up to <paramref name="batchSize"/> single-use tokens past expiry; returns their record ids (for their security codes).</summary>
    Task<IReadOnlyList<(Guid TenantId, Guid Id)>> PurgeExpiredSingleUseTokensAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken);

    // BIN table.

    /// <summary>The imported BIN table (empty when none was imported: the shipped table applies).</summary>
    Task<IReadOnlyList<BinRecord>> ListBinRangesAsync(CancellationToken cancellationToken);

    /// <summary>Replaces the whole imported BIN table in one transaction.</summary>
    Task ReplaceBinRangesAsync(IReadOnlyList<BinRecord> rows, CancellationToken cancellationToken);

    // Tenant settings (e.g. the hosted form's allowed origins).

    Task<string?> GetTenantSettingAsync(Guid tenantId, string name, CancellationToken cancellationToken);

    /// <summary>Sets (upsert) or, with a null value, removes a tenant setting.</summary>
    Task SetTenantSettingAsync(Guid tenantId, string name, string? value, CancellationToken cancellationToken);

    // Idempotency keys.

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

/// <summary>One PCI token insert of a group commit: the token, its creation event and the idempotency key it completes, if any.</summary>
public sealed record PciTokenInsert(PciTokenRecord Token, VaultEvent Created, IdempotencyCompletion? Completion = null);

/// <summary>What completing a session writes besides the session itself: the token it creates, if any, and events.</summary>
public sealed record SessionCompletionWrites(PciTokenRecord? PciToken = null, NetworkTokenRecord? NetworkToken = null, IReadOnlyList<VaultEvent>? Events = null)
{
    public static readonly SessionCompletionWrites None = new();
}

public enum SessionWriteResult
{
    Completed,

    /// <summary>The session was no longer open (completed, locked or expired).</summary>
    SessionClosed,

    /// <summary>The network token would duplicate a live one for the same card.</summary>
    TokenConflict,
}
