using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Strongroom.Core.Telemetry;
using Strongroom.Core.Tenancy;

namespace Strongroom.Core.Tests.Tenancy;

/// <summary>
/// The per-node credential cache on its own: loaders are plain functions over a dictionary of records, which counts how
/// often the "store" was asked, and the clock is a <see cref="ManualClock"/>.
/// </summary>
public sealed class CredentialCacheTests
{
    private static readonly Guid TenantA = Guid.Parse("0193c5f0-0000-7000-8000-00000000000a");
    private static readonly Guid TenantB = Guid.Parse("0193c5f0-0000-7000-8000-00000000000b");

    private readonly ManualClock _clock = new();
    private readonly Dictionary<string, ApiKeyRecord> _apiKeys = new(StringComparer.Ordinal);
    private int _loads;

    [Fact]
    public async Task AFoundRecord_IsLoadedOnce_ThenServedFromTheCache_AndCountedAsMissThenHit()
    {
        CredentialCache cache = NewCache();
        AddKey("k1", TenantA);
        using var lookups = new LookupRecorder();

        ApiKeyRecord? first = await cache.GetApiKeyAsync("k1", LoadAsync, CancellationToken.None);
        ApiKeyRecord? second = await cache.GetApiKeyAsync("k1", LoadAsync, CancellationToken.None);

        Assert.Same(first, second);
        Assert.Equal(1, _loads);
        Assert.Equal(1, cache.Count);

        // The counter is process-wide (other tests may count too): at least this test's own miss and hit were recorded.
        Assert.True(lookups.Count("miss") >= 1, "no miss recorded");
        Assert.True(lookups.Count("hit") >= 1, "no hit recorded");
    }

    [Fact]
    public async Task AnUnknownId_IsNeverCached_SoMissesCannotFillTheCache()
    {
        CredentialCache cache = NewCache();

        for (int i = 0; i < 3; i++)
        {
            Assert.Null(await cache.GetApiKeyAsync("nope", LoadAsync, CancellationToken.None));
        }

        Assert.Equal(3, _loads);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public async Task AtTheSizeCap_FurtherRecordsAreServedButNotCached()
    {
        CredentialCache cache = NewCache(size: 2);
        AddKey("k1", TenantA);
        AddKey("k2", TenantA);
        AddKey("k3", TenantA);

        await cache.GetApiKeyAsync("k1", LoadAsync, CancellationToken.None);
        await cache.GetApiKeyAsync("k2", LoadAsync, CancellationToken.None);
        ApiKeyRecord? third = await cache.GetApiKeyAsync("k3", LoadAsync, CancellationToken.None);
        await cache.GetApiKeyAsync("k3", LoadAsync, CancellationToken.None);

        Assert.Equal("k3", third?.Id);
        Assert.Equal(2, cache.Count);
        Assert.Equal(4, _loads); // k3 went to the store both times
    }

    [Fact]
    public async Task AtTheSizeCap_ExpiredEntriesMakeRoom()
    {
        CredentialCache cache = NewCache(size: 1);
        AddKey("k1", TenantA);
        AddKey("k2", TenantA);
        await cache.GetApiKeyAsync("k1", LoadAsync, CancellationToken.None);

        _clock.Advance(TimeSpan.FromSeconds(2));
        await cache.GetApiKeyAsync("k2", LoadAsync, CancellationToken.None);
        await cache.GetApiKeyAsync("k2", LoadAsync, CancellationToken.None);

        Assert.Equal(2, _loads);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public async Task AnEntry_LivesForTheConfiguredLifetime_OnTheClock()
    {
        CredentialCache cache = NewCache(lifetime: TimeSpan.FromSeconds(1));
        AddKey("k1", TenantA);
        await cache.GetApiKeyAsync("k1", LoadAsync, CancellationToken.None);

        _clock.Advance(TimeSpan.FromMilliseconds(999));
        await cache.GetApiKeyAsync("k1", LoadAsync, CancellationToken.None);
        int loadsBeforeExpiry = _loads;
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await cache.GetApiKeyAsync("k1", LoadAsync, CancellationToken.None);

        Assert.Equal(1, loadsBeforeExpiry);
        Assert.Equal(2, _loads);
    }

    [Fact]
    public async Task ALifetimeOfZero_TurnsTheCacheOff()
    {
        CredentialCache cache = NewCache(lifetime: TimeSpan.Zero);
        AddKey("k1", TenantA);

        await cache.GetApiKeyAsync("k1", LoadAsync, CancellationToken.None);
        await cache.GetApiKeyAsync("k1", LoadAsync, CancellationToken.None);

        Assert.Equal(2, _loads);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public async Task AnApiKeyChange_DropsThatKeyOnly()
    {
        CredentialCache cache = NewCache();
        AddKey("k1", TenantA);
        AddKey("k2", TenantA);
        await cache.GetApiKeyAsync("k1", LoadAsync, CancellationToken.None);
        await cache.GetApiKeyAsync("k2", LoadAsync, CancellationToken.None);

        cache.Invalidate(CredentialChange.ApiKey(TenantA, "k1"));
        _apiKeys["k1"] = _apiKeys["k1"] with { RevokedAt = _clock.GetUtcNow() };
        ApiKeyRecord? reloaded = await cache.GetApiKeyAsync("k1", LoadAsync, CancellationToken.None);
        await cache.GetApiKeyAsync("k2", LoadAsync, CancellationToken.None);

        Assert.NotNull(reloaded?.RevokedAt); // the caller sees the revocation, not the cached copy
        Assert.Equal(3, _loads);
    }

    [Fact]
    public async Task ATenantChange_DropsEveryRecordOfThatTenant_AndNoOtherTenants()
    {
        CredentialCache cache = NewCache();
        AddKey("a1", TenantA);
        AddKey("b1", TenantB);
        var signingKey = new SigningKeyRecord(Guid.NewGuid(), TenantA, "pk-a", [1], 1, null, true, false, [], 0, null, _clock.GetUtcNow());
        var tenant = new Tenant(TenantA, "A", _clock.GetUtcNow());
        await cache.GetApiKeyAsync("a1", LoadAsync, CancellationToken.None);
        await cache.GetApiKeyAsync("b1", LoadAsync, CancellationToken.None);
        await cache.GetSigningKeyByPublicKeyAsync("pk-a", (_, _) => Task.FromResult<SigningKeyRecord?>(signingKey), CancellationToken.None);
        await cache.GetSigningKeyAsync(TenantA, signingKey.Id, (_, _, _) => Task.FromResult<SigningKeyRecord?>(signingKey), CancellationToken.None);
        await cache.GetTenantAsync(TenantA, (_, _) => Task.FromResult<Tenant?>(tenant), CancellationToken.None);
        Assert.Equal(5, cache.Count);

        cache.Invalidate(CredentialChange.Tenant(TenantA));

        Assert.Equal(1, cache.Count);
        await cache.GetApiKeyAsync("b1", LoadAsync, CancellationToken.None);
        Assert.Equal(2, _loads); // b1 still cached
    }

    [Fact]
    public async Task ASigningKeyChange_DropsItUnderBothLookups()
    {
        CredentialCache cache = NewCache();
        var key = new SigningKeyRecord(Guid.NewGuid(), TenantA, "pk-1", [1], 1, null, true, false, [], 0, null, _clock.GetUtcNow());
        int loads = 0;
        Task<SigningKeyRecord?> Load()
        {
            loads++;
            return Task.FromResult<SigningKeyRecord?>(key);
        }

        await cache.GetSigningKeyByPublicKeyAsync("pk-1", (_, _) => Load(), CancellationToken.None);
        await cache.GetSigningKeyAsync(TenantA, key.Id, (_, _, _) => Load(), CancellationToken.None);

        cache.Invalidate(CredentialChange.SigningKey(TenantA, key.Id));
        await cache.GetSigningKeyByPublicKeyAsync("pk-1", (_, _) => Load(), CancellationToken.None);
        await cache.GetSigningKeyAsync(TenantA, key.Id, (_, _, _) => Load(), CancellationToken.None);

        Assert.Equal(4, loads);
    }

    [Fact]
    public async Task ALookupThatReadBeforeAnInvalidation_DoesNotPutItsStaleRecordBack()
    {
        CredentialCache cache = NewCache();
        AddKey("k1", TenantA);
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ApiKeyRecord stale = _apiKeys["k1"];

        // The lookup has read the live record from the store when the revocation commits and is announced.
        Task<ApiKeyRecord?> racing = cache.GetApiKeyAsync("k1", async (_, _) =>
        {
            reading.SetResult();
            await release.Task;
            return stale;
        }, CancellationToken.None).AsTask();
        await reading.Task;
        _apiKeys["k1"] = stale with { RevokedAt = _clock.GetUtcNow() };
        cache.Invalidate(CredentialChange.ApiKey(TenantA, "k1"));
        release.SetResult();
        await racing;

        ApiKeyRecord? next = await cache.GetApiKeyAsync("k1", LoadAsync, CancellationToken.None);

        Assert.Equal(1, _loads); // went to the store: the racing lookup's record was not cached
        Assert.NotNull(next?.RevokedAt);
    }

    [Fact]
    public async Task ALookupThatReadBeforeAClear_DoesNotPutItsRecordBack()
    {
        CredentialCache cache = NewCache();
        AddKey("k1", TenantA);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<ApiKeyRecord?> racing = cache.GetApiKeyAsync("k1", async (id, ct) =>
        {
            await release.Task;
            return await LoadAsync(id, ct);
        }, CancellationToken.None).AsTask();

        cache.Clear();
        release.SetResult();
        await racing;

        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public async Task AnnounceAsync_DropsLocallyAtOnce_AndPublishesTheChange()
    {
        var published = new List<CredentialChange>();
        CredentialCache cache = NewCache(publisher: new RecordingPublisher(published));
        AddKey("k1", TenantA);
        await cache.GetApiKeyAsync("k1", LoadAsync, CancellationToken.None);

        await cache.AnnounceAsync(CredentialChange.ApiKey(TenantA, "k1"), CancellationToken.None);

        Assert.Equal(0, cache.Count);
        Assert.Equal([CredentialChange.ApiKey(TenantA, "k1")], published);
    }

    [Theory]
    [InlineData(CredentialChangeKind.Tenant, null)]
    [InlineData(CredentialChangeKind.ApiKey, "9f3c0a1b2c3d4e5f")]
    [InlineData(CredentialChangeKind.SigningKey, "0193c5f0-0000-7000-8000-0000000000ff")]
    public void AChange_SurvivesTheWire(CredentialChangeKind kind, string? id)
    {
        var change = new CredentialChange(kind, TenantA, id);

        Assert.Equal(change, CredentialChange.FromWire(change.ToWire()));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("api_key")]
    [InlineData("api_key:not-a-guid:k1")]
    [InlineData("api_key:0193c5f0-0000-7000-8000-00000000000a")]
    [InlineData("tenant:0193c5f0-0000-7000-8000-00000000000a:extra")]
    [InlineData("session:0193c5f0-0000-7000-8000-00000000000a:x")]
    public void ATextThatIsNoChange_ReadsAsNull(string? text) => Assert.Null(CredentialChange.FromWire(text));

    private CredentialCache NewCache(int size = 10_000, TimeSpan? lifetime = null, ICredentialChangePublisher? publisher = null) =>
        new(Options.Create(new VaultOptions { CredentialCacheSize = size, CredentialCacheLifetime = lifetime ?? TimeSpan.FromSeconds(1) }), _clock,
            publisher ?? new StoreOnlyCredentialChangePublisher());

    private void AddKey(string id, Guid tenantId) =>
        _apiKeys[id] = new ApiKeyRecord(id, tenantId, null, "hash", VaultRights.TokensRead, _clock.GetUtcNow(), null, null);

    private Task<ApiKeyRecord?> LoadAsync(string id, CancellationToken cancellationToken)
    {
        _loads++;
        return Task.FromResult(_apiKeys.GetValueOrDefault(id));
    }

    private sealed class RecordingPublisher(List<CredentialChange> published) : ICredentialChangePublisher
    {
        public Task PublishAsync(CredentialChange change, CancellationToken cancellationToken)
        {
            published.Add(change);
            return Task.CompletedTask;
        }
    }

    /// <summary>Listens to the shared meter's lookup counter.</summary>
    private sealed class LookupRecorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);
        private readonly Lock _gate = new();

        public LookupRecorder()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == VaultMeter.Name && instrument.Name == CredentialCache.LookupsInstrument)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (KeyValuePair<string, object?> tag in tags)
                {
                    if (tag.Key == "result" && tag.Value is string result)
                    {
                        lock (_gate)
                        {
                            _counts[result] = _counts.GetValueOrDefault(result) + value;
                        }
                    }
                }
            });
            _listener.Start();
        }

        public long Count(string result)
        {
            lock (_gate)
            {
                return _counts.GetValueOrDefault(result);
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
