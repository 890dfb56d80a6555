using System.Collections.Concurrent;
using System.Security.Cryptography;
using Strongroom.Core.Storage;

namespace Strongroom.Core.Crypto;

/// <summary>
/// Creates, unwraps and caches tenant keys. The key hierarchy is KEK (in the key provider) →
/// per-tenant DEK and fingerprint key (wrapped, in the store) → record ciphertexts.
/// Unwrapped keys live only in this process's memory.
/// </summary>
public sealed class TenantKeyring(IVaultStore store, IKeyProvider keyProvider, TimeProvider time, Microsoft.Extensions.Options.IOptions<VaultOptions>? options = null)
{
    private readonly ConcurrentDictionary<Guid, (TenantKeySet Keys, DateTimeOffset LoadedAt)> _cache = new();

    /// <summary>
    /// How long unwrapped keys are trusted before re-reading the store. Bounds how long another node keeps sealing
    /// with a DEK version after a rotation made a newer one current, so a rotation waits this long before retiring.
    /// </summary>
    public TimeSpan CacheTtl => options?.Value.KeyCacheTtl ?? TimeSpan.FromMinutes(1);

    /// <summary>Generates the first DEK and fingerprint key of a new tenant, wrapped and ready to store.</summary>
    public async Task<IReadOnlyList<TenantKeyRecord>> CreateInitialKeysAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        DateTimeOffset now = time.GetUtcNow();
        var records = new List<TenantKeyRecord>(2);
        foreach (TenantKeyPurpose purpose in new[] { TenantKeyPurpose.Data, TenantKeyPurpose.Fingerprint })
        {
            byte[] key = RandomNumberGenerator.GetBytes(Envelope.KeySize);
            try
            {
                WrappedKey wrapped = await keyProvider.WrapAsync(key, TenantKeyContext.Create(tenantId, purpose, 1), cancellationToken);
                records.Add(new TenantKeyRecord(tenantId, purpose, 1, wrapped.Provider, wrapped.KekVersion, wrapped.Blob, now));
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
            }
        }

        return records;
    }

    /// <summary>The tenant's unwrapped keys, from cache or unwrapped from the store.</summary>
    public async ValueTask<TenantKeySet> GetAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        DateTimeOffset now = time.GetUtcNow();
        if (_cache.TryGetValue(tenantId, out (TenantKeySet Keys, DateTimeOffset LoadedAt) cached) && now - cached.LoadedAt < CacheTtl)
        {
            return cached.Keys;
        }

        TenantKeySet loaded = await LoadAsync(tenantId, cancellationToken);
        _cache[tenantId] = (loaded, now);
        return loaded;
    }

    /// <summary>
    /// Adds a new DEK version for the tenant, wrapped under the current KEK; new writes use it as soon as each
    /// node's cache refreshes (at once here). Returns the new version.
    /// </summary>
    public async Task<int> AddDataKeyVersionAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        IReadOnlyList<TenantKeyRecord> records = await store.GetTenantKeysAsync(tenantId, cancellationToken);
        if (records.Count == 0)
        {
            throw new TenantNotFoundException(tenantId);
        }

        int version = records.Where(r => r.Purpose == TenantKeyPurpose.Data).Max(r => r.Version) + 1;
        byte[] key = RandomNumberGenerator.GetBytes(Envelope.KeySize);
        try
        {
            WrappedKey wrapped = await keyProvider.WrapAsync(key, TenantKeyContext.Create(tenantId, TenantKeyPurpose.Data, version), cancellationToken);
            await store.AddTenantKeyAsync(new TenantKeyRecord(tenantId, TenantKeyPurpose.Data, version, wrapped.Provider, wrapped.KekVersion, wrapped.Blob, time.GetUtcNow()), cancellationToken);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }

        Evict(tenantId);
        return version;
    }

    /// <summary>Re-wraps every stored key of the tenant that is not under <paramref name="kekVersion"/> with the provider's current KEK; returns how many.</summary>
    public async Task<int> RewrapAsync(Guid tenantId, int kekVersion, CancellationToken cancellationToken)
    {
        int rewrapped = 0;
        foreach (TenantKeyRecord record in await store.GetTenantKeysAsync(tenantId, cancellationToken))
        {
            if (record.KekVersion == kekVersion)
            {
                continue;
            }

            byte[] context = TenantKeyContext.Create(tenantId, record.Purpose, record.Version);
            byte[] key = await keyProvider.UnwrapAsync(new WrappedKey(record.Provider, record.KekVersion, record.Wrapped), context, cancellationToken);
            try
            {
                WrappedKey wrapped = await keyProvider.WrapAsync(key, context, cancellationToken);
                if (await store.RewrapTenantKeyAsync(record with { Provider = wrapped.Provider, KekVersion = wrapped.KekVersion, Wrapped = wrapped.Blob }, record.KekVersion, cancellationToken))
                {
                    rewrapped++;
                }
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
            }
        }

        return rewrapped;
    }

    /// <summary>Drops a tenant's keys from memory (after rotation or shredding elsewhere).</summary>
    public void Evict(Guid tenantId) => _cache.TryRemove(tenantId, out _);

    private async Task<TenantKeySet> LoadAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        IReadOnlyList<TenantKeyRecord> records = await store.GetTenantKeysAsync(tenantId, cancellationToken);
        var dataKeys = new Dictionary<int, byte[]>();
        byte[]? fingerprintKey = null;
        int fingerprintVersion = 0;
        foreach (TenantKeyRecord record in records)
        {
            byte[] key = await keyProvider.UnwrapAsync(
                new WrappedKey(record.Provider, record.KekVersion, record.Wrapped),
                TenantKeyContext.Create(tenantId, record.Purpose, record.Version),
                cancellationToken);
            if (record.Purpose == TenantKeyPurpose.Data)
            {
                dataKeys[record.Version] = key;
            }
            else if (record.Version > fingerprintVersion)
            {
                fingerprintKey = key;
                fingerprintVersion = record.Version;
            }
        }

        if (dataKeys.Count == 0 || fingerprintKey is null)
        {
            throw new TenantNotFoundException(tenantId);
        }

        return new TenantKeySet(tenantId, dataKeys, dataKeys.Keys.Max(), fingerprintKey);
    }
}

/// <summary>Thrown when a tenant has no keys, i.e. does not exist (or was shredded).</summary>
public sealed class TenantNotFoundException(Guid tenantId) : Exception($"Tenant {tenantId} has no keys.")
{
    public Guid TenantId { get; } = tenantId;
}

/// <summary>
/// One tenant's unwrapped keys and the operations that use them. Cipher and HMAC contexts are reused across calls
/// (<see cref="EnvelopeKey"/>, <see cref="InstancePool{T}"/>): sealing and fingerprinting allocate only their results.
/// </summary>
public sealed class TenantKeySet
{
    /// <summary>Domain labels longer than this are hashed with a one-off buffer; every label in use is far shorter.</summary>
    private const int MaxStackDomain = 64;

    private readonly Dictionary<int, EnvelopeKey> _dataKeys;
    private readonly EnvelopeKey _current;
    private readonly InstancePool<IncrementalHash> _fingerprintHmacs;

    public TenantKeySet(Guid tenantId, IReadOnlyDictionary<int, byte[]> dataKeys, int currentDataKeyVersion, byte[] fingerprintKey)
    {
        TenantId = tenantId;
        CurrentDataKeyVersion = currentDataKeyVersion;
        _dataKeys = dataKeys.ToDictionary(pair => pair.Key, pair => new EnvelopeKey(pair.Value, pair.Key));
        _current = _dataKeys[currentDataKeyVersion];
        _fingerprintHmacs = new InstancePool<IncrementalHash>(() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, fingerprintKey));
    }

    public Guid TenantId { get; }

    public int CurrentDataKeyVersion { get; }

    /// <summary>Seals a record's plaintext with the current DEK, bound to this tenant, the record id and kind.</summary>
    public byte[] Seal(RecordKind kind, Guid recordId, ReadOnlySpan<byte> plaintext)
    {
        Span<byte> context = stackalloc byte[RecordContext.Size];
        RecordContext.Write(TenantId, recordId, kind, context);
        return _current.Seal(plaintext, context);
    }

    /// <summary>Opens a record sealed by <see cref="Seal"/> with whichever DEK version its header names.</summary>
    public void Open(RecordKind kind, Guid recordId, ReadOnlySpan<byte> envelope, Span<byte> plaintext)
    {
        int version = Envelope.ReadKeyVersion(envelope);
        if (!_dataKeys.TryGetValue(version, out EnvelopeKey? key))
        {
            throw new CryptographicException($"Data key version {version} of tenant {TenantId} is not available.");
        }

        Span<byte> context = stackalloc byte[RecordContext.Size];
        RecordContext.Write(TenantId, recordId, kind, context);
        key.Open(envelope, context, plaintext);
    }

    public byte[] Open(RecordKind kind, Guid recordId, ReadOnlySpan<byte> envelope)
    {
        _ = Envelope.ReadKeyVersion(envelope);
        var plaintext = new byte[Envelope.PlaintextSize(envelope)];
        Open(kind, recordId, envelope, plaintext);
        return plaintext;
    }

    /// <summary>
    /// Keyed digest (HMAC-SHA256 under the tenant's fingerprint key) of <paramref name="data"/> with a
    /// domain label, so a PAN fingerprint and, say, an idempotency request hash can never collide or be
    /// compared across purposes or tenants. Never a bare hash: PANs are too guessable for that.
    /// </summary>
    public byte[] KeyedDigest(string domain, ReadOnlySpan<byte> data)
    {
        Span<byte> label = domain.Length <= MaxStackDomain ? stackalloc byte[domain.Length + 1] : new byte[domain.Length + 1];
        System.Text.Encoding.ASCII.GetBytes(domain, label);
        label[^1] = 0;

        var digest = new byte[SHA256.HashSizeInBytes];
        IncrementalHash hmac = _fingerprintHmacs.Rent();
        hmac.AppendData(label);
        hmac.AppendData(data);
        hmac.GetHashAndReset(digest);

        // Only a context that completed (and so was reset) goes back to the pool.
        _fingerprintHmacs.Return(hmac);
        return digest;
    }
}
