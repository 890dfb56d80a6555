using Strongroom.Core.Events;
using Strongroom.Core.Idempotency;

namespace Strongroom.Core.Tokens;

/// <summary>PCI tokens, each written with its outbox event (and, for an idempotent request, its completed key) in one transaction.</summary>
public interface IPciTokenStore
{
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
}
