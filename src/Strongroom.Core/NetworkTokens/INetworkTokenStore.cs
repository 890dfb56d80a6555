using Strongroom.Core.Events;
using Strongroom.Core.Idempotency;

namespace Strongroom.Core.NetworkTokens;

/// <summary>Network tokens, their lifecycle changes and their cryptograms, each written with its event.</summary>
public interface INetworkTokenStore
{
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
}
