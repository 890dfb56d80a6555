using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Strongroom.Core.Telemetry;

namespace Strongroom.Core.Tenancy;

/// <summary>
/// The node's cache of credential <em>records</em> (API keys, signing keys, tenants), so an authenticated request needs no
/// store query to find its credential. It never caches a decision: the caller still verifies the presented secret in constant
/// time against the cached record, and checks revocation, expiry and the enabled flag on it, on every request.
/// <list type="bullet">
/// <item>Only found records are cached: an unknown id always goes to the store, so an attacker cannot fill the cache with misses.</item>
/// <item>An entry lives <see cref="VaultOptions.CredentialCacheLifetime"/> (1 s) at most, and the cache holds at most
/// <see cref="VaultOptions.CredentialCacheSize"/> entries; when full, a record is served without being cached.</item>
/// <item>A change (revoke, delete, disable) drops the affected entries at once on this node (<see cref="AnnounceAsync"/>) and on
/// the others through the store's NOTIFY or Redis (<see cref="Invalidate"/> on receipt).</item>
/// <item>A generation counter, bumped by every invalidation, stops a lookup that read the store before an invalidation from
/// putting its (possibly stale) record back afterwards.</item>
/// </list>
/// </summary>
public sealed class CredentialCache
{
    /// <summary>The counter of lookups, tagged <c>result</c> = <c>hit</c> or <c>miss</c>.</summary>
    public const string LookupsInstrument = "strongroom.key_cache.lookups";

    private static readonly Counter<long> Lookups = VaultMeter.Meter.CreateCounter<long>(LookupsInstrument, "{lookup}", "Credential lookups answered from the node's cache (hit) or the store (miss).");
    private static readonly KeyValuePair<string, object?> Hit = new("result", "hit");
    private static readonly KeyValuePair<string, object?> Miss = new("result", "miss");

    private readonly ConcurrentDictionary<Key, Entry> _entries = new();
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly ICredentialChangePublisher _publisher;
    private readonly TimeSpan _lifetime;
    private readonly int _capacity;
    private long _generation;

    public CredentialCache(IOptions<VaultOptions> options, TimeProvider time, ICredentialChangePublisher publisher)
    {
        _lifetime = options.Value.CredentialCacheLifetime;
        _capacity = options.Value.CredentialCacheSize;
        _time = time;
        _publisher = publisher;
    }

    /// <summary>How many entries are cached now (expired ones included until they are replaced or purged).</summary>
    public int Count => _entries.Count;

    // The loaders take their arguments (rather than closing over them) so a hit allocates nothing: callers keep one delegate each.

    /// <summary>The API key with this id: cached, or loaded by <paramref name="load"/> (and cached when it exists).</summary>
    public ValueTask<ApiKeyRecord?> GetApiKeyAsync(string keyId, Func<string, CancellationToken, Task<ApiKeyRecord?>> load, CancellationToken cancellationToken) =>
        GetAsync(new Key(Lookup.ApiKey, keyId, Guid.Empty, Guid.Empty), (keyId, load), static (a, ct) => a.load(a.keyId, ct), cancellationToken);

    /// <summary>The signing key with this public key (<c>X-TXC-APIKEY</c>).</summary>
    public ValueTask<SigningKeyRecord?> GetSigningKeyByPublicKeyAsync(string publicKey, Func<string, CancellationToken, Task<SigningKeyRecord?>> load, CancellationToken cancellationToken) =>
        GetAsync(new Key(Lookup.SigningKeyByPublicKey, publicKey, Guid.Empty, Guid.Empty), (publicKey, load), static (a, ct) => a.load(a.publicKey, ct), cancellationToken);

    /// <summary>The tenant's signing key with this id (the fiat-gateway JWT names it).</summary>
    public ValueTask<SigningKeyRecord?> GetSigningKeyAsync(Guid tenantId, Guid keyId, Func<Guid, Guid, CancellationToken, Task<SigningKeyRecord?>> load, CancellationToken cancellationToken) =>
        GetAsync(new Key(Lookup.SigningKeyById, null, tenantId, keyId), (tenantId, keyId, load), static (a, ct) => a.load(a.tenantId, a.keyId, ct), cancellationToken);

    /// <summary>The tenant with this id.</summary>
    public ValueTask<Tenant?> GetTenantAsync(Guid tenantId, Func<Guid, CancellationToken, Task<Tenant?>> load, CancellationToken cancellationToken) =>
        GetAsync(new Key(Lookup.Tenant, null, tenantId, Guid.Empty), (tenantId, load), static (a, ct) => a.load(a.tenantId, ct), cancellationToken);

    /// <summary>
    /// A change this node committed: dropped here at once, then published to the other nodes (a no-op where the store's own
    /// NOTIFY, written with the change, already does it).
    /// </summary>
    public Task AnnounceAsync(CredentialChange change, CancellationToken cancellationToken)
    {
        Invalidate(change);
        return _publisher.PublishAsync(change, cancellationToken);
    }

    /// <summary>Drops every entry the change affects, and stops lookups already under way from caching what they read.</summary>
    public void Invalidate(CredentialChange change)
    {
        lock (_gate)
        {
            _generation++;
            foreach (KeyValuePair<Key, Entry> pair in _entries)
            {
                if (change.Affects(pair.Value.OwnerKind, pair.Value.TenantId, pair.Value.CredentialId))
                {
                    _entries.TryRemove(pair);
                }
            }
        }
    }

    /// <summary>Drops everything: after a lost connection to the change feed, any change may have been missed.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _generation++;
            _entries.Clear();
        }
    }

    private async ValueTask<T?> GetAsync<T, TArgs>(Key key, TArgs args, Func<TArgs, CancellationToken, Task<T?>> load, CancellationToken cancellationToken)
        where T : class
    {
        DateTimeOffset now = _time.GetUtcNow();
        if (_entries.TryGetValue(key, out Entry? entry) && entry.ExpiresAt > now && entry.Record is T cached)
        {
            Lookups.Add(1, Hit);
            return cached;
        }

        Lookups.Add(1, Miss);
        if (_lifetime <= TimeSpan.Zero || _capacity <= 0)
        {
            return await load(args, cancellationToken);
        }

        // Read before the store: an invalidation between here and Store() means what we read may already be stale.
        long generation = Volatile.Read(ref _generation);
        T? record = await load(args, cancellationToken);
        if (record is null)
        {
            // Unknown: nothing is cached (and an expired entry for it is dropped), so misses cannot fill the cache.
            if (entry is not null)
            {
                _entries.TryRemove(new KeyValuePair<Key, Entry>(key, entry));
            }

            return null;
        }

        // The lifetime counts from before the read, so an entry is never trusted for longer than the lifetime after it was read.
        Store(key, Entry.For(record, now + _lifetime), generation, now);
        return record;
    }

    private void Store(Key key, Entry entry, long generation, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_generation != generation)
            {
                return;
            }

            if (!_entries.ContainsKey(key) && _entries.Count >= _capacity)
            {
                foreach (KeyValuePair<Key, Entry> pair in _entries)
                {
                    if (pair.Value.ExpiresAt <= now)
                    {
                        _entries.TryRemove(pair);
                    }
                }

                if (_entries.Count >= _capacity)
                {
                    return;
                }
            }

            _entries[key] = entry;
        }
    }

    private enum Lookup
    {
        ApiKey,
        SigningKeyByPublicKey,
        SigningKeyById,
        Tenant,
    }

    /// <summary>What was looked up: a text id (API key id, public key) or one or two ids; a struct, so a lookup allocates no key.</summary>
    private readonly record struct Key(Lookup Lookup, string? Text, Guid First, Guid Second);

    /// <summary>A cached record with the owner a <see cref="CredentialChange"/> is matched against.</summary>
    private sealed record Entry(object Record, CredentialChangeKind OwnerKind, Guid TenantId, string? CredentialId, DateTimeOffset ExpiresAt)
    {
        public static Entry For(object record, DateTimeOffset expiresAt) => record switch
        {
            ApiKeyRecord key => new(key, CredentialChangeKind.ApiKey, key.TenantId, key.Id, expiresAt),
            SigningKeyRecord key => new(key, CredentialChangeKind.SigningKey, key.TenantId, key.Id.ToString("D"), expiresAt),
            Tenant tenant => new(tenant, CredentialChangeKind.Tenant, tenant.Id, null, expiresAt),
            _ => throw new ArgumentException("Not a credential record.", nameof(record)),
        };
    }
}
