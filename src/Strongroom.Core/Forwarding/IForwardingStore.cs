using Strongroom.Core.NetworkTokens;

namespace Strongroom.Core.Forwarding;

/// <summary>Forwarding configuration (the destination allowlist) and the redemption of cryptogram references by a forward.</summary>
public interface IForwardingStore
{
    Task<IReadOnlyList<ForwardDestination>> ListForwardDestinationsAsync(Guid tenantId, CancellationToken cancellationToken);

    /// <summary>Replaces the tenant's destination allowlist in one transaction.</summary>
    Task ReplaceForwardDestinationsAsync(Guid tenantId, IReadOnlyList<ForwardDestination> destinations, CancellationToken cancellationToken);

    /// <summary>The cryptogram a reference names (by the reference's keyed digest), within the tenant, or null.</summary>
    Task<CryptogramRecord?> GetCryptogramByReferenceAsync(Guid tenantId, byte[] referenceDigest, CancellationToken cancellationToken);

    /// <summary>Reserves a cryptogram's reference for a forward (compare-and-set: unredeemed, unused, unexpired); false otherwise.</summary>
    Task<bool> TryRedeemCryptogramReferenceAsync(Guid tenantId, Guid tokenId, long counter, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Undoes <see cref="TryRedeemCryptogramReferenceAsync"/> when the forward failed (only if still redeemed at <paramref name="redeemedAt"/>).</summary>
    Task<bool> ReleaseCryptogramReferenceAsync(Guid tenantId, Guid tokenId, long counter, DateTimeOffset redeemedAt, CancellationToken cancellationToken);
}
