using System.Security.Cryptography;

namespace Strongroom.Core.Crypto;

/// <summary>
/// One AES-256-GCM key with reusable cipher instances, for keys that seal or open on every request (a tenant's DEK, the
/// process key of the security-code store). Creating an <see cref="AesGcm"/> costs a native context and a key schedule —
/// most of a seal's time and its only allocation besides the output (bench/Strongroom.Benchmarks). An instance is not
/// thread-safe, so each call rents one from a small lock-free pool and returns it; a failed call drops its instance.
/// </summary>
public sealed class EnvelopeKey
{
    private readonly InstancePool<AesGcm> _pool;

    // Its own copy: a caller zeroing its array must never make the pool build contexts from an all-zero key.
    private readonly byte[] _key;
    private volatile bool _drained;

    public EnvelopeKey(byte[] key, int version)
    {
        if (key.Length != Envelope.KeySize)
        {
            throw new ArgumentException("AES-256 needs a 32-byte key.", nameof(key));
        }

        Version = version;
        _key = key.ToArray();
        _pool = new InstancePool<AesGcm>(() => _drained ? throw new ObjectDisposedException(nameof(EnvelopeKey)) : new AesGcm(_key, Envelope.TagSize));
    }

    public int Version { get; }

    public byte[] Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> context)
    {
        var output = new byte[Envelope.SealedSize(plaintext.Length)];
        AesGcm aes = _pool.Rent();
        Envelope.Seal(aes, Version, plaintext, context, output);
        _pool.Return(aes);
        return output;
    }

    /// <summary>Decrypts into <paramref name="plaintext"/>; throws <see cref="CryptographicException"/> on any tampering.</summary>
    public void Open(ReadOnlySpan<byte> envelope, ReadOnlySpan<byte> context, Span<byte> plaintext)
    {
        AesGcm aes = _pool.Rent();
        Envelope.Open(aes, envelope, context, plaintext);
        _pool.Return(aes);
    }

    public byte[] Open(ReadOnlySpan<byte> envelope, ReadOnlySpan<byte> context)
    {
        _ = Envelope.ReadKeyVersion(envelope);
        var plaintext = new byte[Envelope.PlaintextSize(envelope)];
        Open(envelope, context, plaintext);
        return plaintext;
    }

    /// <summary>
    /// Frees the pooled cipher contexts (and their key schedules) and zeroes the key now rather than at finalization; the
    /// key cannot be used afterwards. Not IDisposable on purpose: key sets are dropped from caches while requests may still
    /// use them; an undrained pool is freed by the GC.
    /// </summary>
    public void Drain()
    {
        _drained = true;
        _pool.Drain();
        CryptographicOperations.ZeroMemory(_key);
    }
}

/// <summary>
/// A bounded, lock-free pool of reusable, non-thread-safe instances (cipher and HMAC contexts): a fixed array of slots
/// taken and given back with interlocked exchanges, so renting and returning allocate nothing. When every slot is
/// empty a new instance is created; when every slot is full a returned instance is disposed.
/// </summary>
internal sealed class InstancePool<T>(Func<T> create)
    where T : class, IDisposable
{
    private readonly T?[] _slots = new T?[Math.Max(4, Environment.ProcessorCount * 2)];

    public T Rent()
    {
        for (int i = 0; i < _slots.Length; i++)
        {
            T? item = Interlocked.Exchange(ref _slots[i], null);
            if (item is not null)
            {
                return item;
            }
        }

        return create();
    }

    public void Return(T item)
    {
        for (int i = 0; i < _slots.Length; i++)
        {
            if (Interlocked.CompareExchange(ref _slots[i], item, null) is null)
            {
                return;
            }
        }

        item.Dispose();
    }

    /// <summary>Disposes the pooled instances (rented ones are disposed when returned to a full pool or finalized).</summary>
    public void Drain()
    {
        for (int i = 0; i < _slots.Length; i++)
        {
            Interlocked.Exchange(ref _slots[i], null)?.Dispose();
        }
    }
}
