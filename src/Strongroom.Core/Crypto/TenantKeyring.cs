using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Strongroom.Core.Tenancy;

namespace Strongroom.Core.Crypto;

/// <summary>
/// Creates, unwraps and caches tenant keys. The key hierarchy is KEK (in the key provider) →
/// per-tenant DEK and fingerprint key (wrapped, in the store) → record ciphertexts.
/// Unwrapped keys live only in this process's memory. A record sealed under a data-key version this process has not
/// loaded yet (another process rotated the tenant's DEK, or re-encrypted the record, since the cache was filled) makes
/// the keyring re-read the tenant's keys at once instead of waiting for the cache to expire: see <see cref="OpenAsync"/>.
/// </summary>
public sealed partial class TenantKeyring(
    ITenantStore store,
    IKeyProvider keyProvider,
    TimeProvider time,
    Microsoft.Extensions.Options.IOptions<VaultOptions>? options = null,
    ILogger<TenantKeyring>? logger = null)
{
    private readonly ConcurrentDictionary<Guid, (TenantKeySet Keys, DateTimeOffset LoadedAt)> _cache = new();

    /// <summary>The reload of a tenant's keys in flight, shared by every caller that missed a version meanwhile.</summary>
    private readonly ConcurrentDictionary<Guid, Lazy<Task<TenantKeySet>>> _reloads = new();

    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;

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
    /// The tenant's keys, holding data-key <paramref name="dataKeyVersion"/>. On a miss the keys are re-read from the store
    /// (single-flight: concurrent callers share one reload), at most twice, so a reload that had already read the store
    /// before the version was added does not count. Throws <see cref="KeyVersionUnavailableException"/> only when the
    /// version is still absent after that, i.e. it was retired or never existed.
    /// </summary>
    public async ValueTask<TenantKeySet> GetForVersionAsync(Guid tenantId, int dataKeyVersion, CancellationToken cancellationToken)
    {
        TenantKeySet keys = await GetAsync(tenantId, cancellationToken);
        for (int attempt = 0; attempt < 2 && !keys.HasDataKey(dataKeyVersion); attempt++)
        {
            keys = await ReloadAsync(tenantId, keys, firstAttempt: attempt == 0, cancellationToken);
        }

        if (!keys.HasDataKey(dataKeyVersion))
        {
            LogDataKeyVersionMissing(_logger, dataKeyVersion, tenantId, keys.DataKeyVersions);
            throw KeyVersionUnavailableException.DataKey(tenantId, dataKeyVersion);
        }

        return keys;
    }

    /// <summary>The tenant's keys, holding the data-key version <paramref name="envelope"/>'s header names.</summary>
    public ValueTask<TenantKeySet> GetForEnvelopeAsync(Guid tenantId, ReadOnlyMemory<byte> envelope, CancellationToken cancellationToken) =>
        GetForVersionAsync(tenantId, Envelope.ReadKeyVersion(envelope.Span), cancellationToken);

    /// <summary>
    /// Opens a record sealed under any data-key version the tenant has in the store, loading the tenant's keys again if
    /// this process has not seen that version yet (see <see cref="GetForVersionAsync"/>). The caller zeroes the result.
    /// </summary>
    public async ValueTask<byte[]> OpenAsync(Guid tenantId, RecordKind kind, Guid recordId, byte[] envelope, CancellationToken cancellationToken)
    {
        TenantKeySet keys = await GetForEnvelopeAsync(tenantId, envelope, cancellationToken);
        return keys.Open(kind, recordId, envelope);
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

    /// <summary>
    /// Re-reads the tenant's keys, unless another caller already replaced <paramref name="stale"/> in the cache (only on a
    /// first attempt: that replacement may have read the store before the version was added). Callers that arrive while
    /// a reload runs join it; the reload itself is not cancelled with any one caller's request.
    /// </summary>
    private async Task<TenantKeySet> ReloadAsync(Guid tenantId, TenantKeySet stale, bool firstAttempt, CancellationToken cancellationToken)
    {
        if (firstAttempt && _cache.TryGetValue(tenantId, out (TenantKeySet Keys, DateTimeOffset LoadedAt) cached) && !ReferenceEquals(cached.Keys, stale))
        {
            return cached.Keys;
        }

        Lazy<Task<TenantKeySet>>? mine = null;
        mine = new Lazy<Task<TenantKeySet>>(() => ReloadNowAsync(tenantId, mine!));
        return await _reloads.GetOrAdd(tenantId, mine).Value.WaitAsync(cancellationToken);
    }

    private async Task<TenantKeySet> ReloadNowAsync(Guid tenantId, Lazy<Task<TenantKeySet>> self)
    {
        try
        {
            // Yield first so the reload is published before the store is read: a caller that misses from now on joins it.
            await Task.Yield();
            DateTimeOffset now = time.GetUtcNow();
            TenantKeySet loaded = await LoadAsync(tenantId, CancellationToken.None);
            _cache[tenantId] = (loaded, now);
            LogReloaded(_logger, tenantId, loaded.DataKeyVersions);
            return loaded;
        }
        finally
        {
            _reloads.TryRemove(KeyValuePair.Create(tenantId, self));
        }
    }

    private async Task<TenantKeySet> LoadAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        try
        {
            return await LoadOnceAsync(tenantId, cancellationToken);
        }
        catch (KeyVersionUnavailableException e) when (e.Kind == KeyVersionKind.Kek)
        {
            // A KEK rotation re-wrapped the tenant's keys and destroyed the old KEK between reading the rows and
            // unwrapping them: the rows read again are wrapped under the new KEK.
            LogKekMovedDuringLoad(_logger, tenantId, e.Version);
            try
            {
                return await LoadOnceAsync(tenantId, cancellationToken);
            }
            catch (KeyVersionUnavailableException again) when (again.Kind == KeyVersionKind.Kek)
            {
                LogKekVersionMissing(_logger, again.Version, tenantId);
                throw;
            }
        }
    }

    private async Task<TenantKeySet> LoadOnceAsync(Guid tenantId, CancellationToken cancellationToken)
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

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Re-read the keys of tenant {TenantId} on meeting a data-key version not loaded yet; data-key versions now held: {Versions}")]
    private static partial void LogReloaded(ILogger logger, Guid tenantId, IEnumerable<int> versions);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Error, Message = "Data-key version {Version} of tenant {TenantId} does not exist in the store (retired or never created); versions held after re-reading: {Versions}. The record cannot be opened.")]
    private static partial void LogDataKeyVersionMissing(ILogger logger, int version, Guid tenantId, IEnumerable<int> versions);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "KEK version {KekVersion} went away while loading the keys of tenant {TenantId} (a KEK rotation ran meanwhile); reading them again")]
    private static partial void LogKekMovedDuringLoad(ILogger logger, Guid tenantId, int kekVersion);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Error, Message = "KEK version {KekVersion} that wraps a key of tenant {TenantId} is not held by the key provider even after re-reading it (destroyed, or never created). The tenant's keys cannot be unwrapped.")]
    private static partial void LogKekVersionMissing(ILogger logger, int kekVersion, Guid tenantId);
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

    /// <summary>The data-key versions this set can open, ascending.</summary>
    public IEnumerable<int> DataKeyVersions => _dataKeys.Keys.Order();

    /// <summary>Whether this set holds data-key <paramref name="version"/>.</summary>
    public bool HasDataKey(int version) => _dataKeys.ContainsKey(version);

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
            // Callers that go through TenantKeyring.OpenAsync / GetForVersionAsync have already re-read the store.
            throw KeyVersionUnavailableException.DataKey(TenantId, version);
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
