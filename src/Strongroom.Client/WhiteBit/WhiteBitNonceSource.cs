namespace Strongroom.Client.WhiteBit;

/// <summary>
/// Nonces for one API key: Unix milliseconds, strictly increasing even when the clock stands still or steps back, and
/// safe across threads. WhiteBIT refuses a nonce not greater than the key's previous one ("Too many requests."), so
/// every client of one key in one process must share one source; register it as a singleton per key. Processes that
/// share a key should use the nonce window instead (<see cref="WhiteBitClientOptions.UseNonceWindow"/>), where the
/// nonce need only be a fresh timestamp within ±5 s of the vault's clock.
/// </summary>
public sealed class WhiteBitNonceSource(TimeProvider? time = null) : IDisposable
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private long _last;

    /// <summary>
    /// Held by <see cref="WhiteBitSigningHandler"/> from taking a strict nonce until its answer arrives: requests sent at
    /// once could reach the vault out of order, and a nonce arriving after a larger one is refused.
    /// </summary>
    internal SemaphoreSlim Sequence { get; } = new(1, 1);

    /// <summary>The next nonce: now in Unix ms, or one more than the previous nonce if that is not ahead.</summary>
    public long Next()
    {
        while (true)
        {
            long previous = Interlocked.Read(ref _last);
            long next = Math.Max(previous + 1, _time.GetUtcNow().ToUnixTimeMilliseconds());
            if (Interlocked.CompareExchange(ref _last, next, previous) == previous)
            {
                return next;
            }
        }
    }

    public void Dispose() => Sequence.Dispose();
}
