namespace Strongroom.Core.Keys;

/// <summary>
/// Something outside the store that keeps a key wrapped under a KEK (the shared Redis sealing key). A KEK rotation
/// re-wraps it with the tenant keys, before any older KEK version is destroyed: otherwise destroying the version would
/// make it (and whatever it sealed) unreadable to every process that has not unwrapped it yet.
/// </summary>
public interface IKekWrappedKeyHolder
{
    /// <summary>Re-wraps what it holds under the key provider's current KEK unless it is already under <paramref name="kekVersion"/>; returns how many keys it re-wrapped.</summary>
    Task<int> RewrapAsync(int kekVersion, CancellationToken cancellationToken);
}
