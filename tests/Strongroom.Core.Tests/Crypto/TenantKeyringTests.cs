using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Strongroom.Adapters.KeyFiles;
using Strongroom.Core.Crypto;
using Strongroom.Core.Storage;
using Strongroom.Core.Tenancy;
using Strongroom.Core.Tests.Support;

namespace Strongroom.Core.Tests.Crypto;

public class TenantKeySetTests
{
    private static TenantKeySet NewKeySet(Guid? tenantId = null, byte[]? dataKey = null, byte[]? fingerprintKey = null) =>
        new(
            tenantId ?? Guid.NewGuid(),
            new Dictionary<int, byte[]> { [1] = dataKey ?? RandomNumberGenerator.GetBytes(32) },
            1,
            fingerprintKey ?? RandomNumberGenerator.GetBytes(32));

    [Fact]
    public void SealOpen_SameRecord_RoundTrips()
    {
        TenantKeySet keys = NewKeySet();
        Guid record = Guid.NewGuid();
        byte[] plaintext = Encoding.ASCII.GetBytes("4111111111111111");

        byte[] sealedBytes = keys.Seal(RecordKind.PciToken, record, plaintext);

        Assert.Equal(plaintext, keys.Open(RecordKind.PciToken, record, sealedBytes));
        Assert.Equal(1, Envelope.ReadKeyVersion(sealedBytes));
    }

    [Fact]
    public void Open_OtherRecordIdOrKind_Throws()
    {
        TenantKeySet keys = NewKeySet();
        Guid record = Guid.NewGuid();
        byte[] sealedBytes = keys.Seal(RecordKind.PciToken, record, [1, 2, 3]);

        Assert.ThrowsAny<CryptographicException>(() => keys.Open(RecordKind.PciToken, Guid.NewGuid(), sealedBytes));
        Assert.ThrowsAny<CryptographicException>(() => keys.Open(RecordKind.IdempotentResponse, record, sealedBytes));
    }

    [Fact]
    public void Open_SameKeysOtherTenant_Throws()
    {
        byte[] dataKey = RandomNumberGenerator.GetBytes(32);
        TenantKeySet tenantA = NewKeySet(dataKey: dataKey);
        TenantKeySet tenantB = NewKeySet(dataKey: dataKey);
        Guid record = Guid.NewGuid();

        byte[] sealedBytes = tenantA.Seal(RecordKind.PciToken, record, [1, 2, 3]);

        Assert.ThrowsAny<CryptographicException>(() => tenantB.Open(RecordKind.PciToken, record, sealedBytes));
    }

    [Fact]
    public void Open_OldDataKeyVersion_StillOpens()
    {
        Guid tenant = Guid.NewGuid();
        byte[] v1 = RandomNumberGenerator.GetBytes(32);
        byte[] v2 = RandomNumberGenerator.GetBytes(32);
        var before = new TenantKeySet(tenant, new Dictionary<int, byte[]> { [1] = v1 }, 1, RandomNumberGenerator.GetBytes(32));
        var after = new TenantKeySet(tenant, new Dictionary<int, byte[]> { [1] = v1, [2] = v2 }, 2, RandomNumberGenerator.GetBytes(32));
        Guid record = Guid.NewGuid();
        byte[] old = before.Seal(RecordKind.PciToken, record, [9, 9]);

        byte[] fresh = after.Seal(RecordKind.PciToken, record, [9, 9]);

        Assert.Equal(2, Envelope.ReadKeyVersion(fresh));
        Assert.Equal(new byte[] { 9, 9 }, after.Open(RecordKind.PciToken, record, old));
        var exception = Assert.ThrowsAny<CryptographicException>(() => before.Open(RecordKind.PciToken, record, fresh));
        Assert.Contains("version 2", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KeyedDigest_SameInputs_IsDeterministic()
    {
        TenantKeySet keys = NewKeySet();

        byte[] first = keys.KeyedDigest("pan-fingerprint/v1", Encoding.ASCII.GetBytes(TestCards.Visa));
        byte[] second = keys.KeyedDigest("pan-fingerprint/v1", Encoding.ASCII.GetBytes(TestCards.Visa));

        Assert.Equal(first, second);
        Assert.Equal(32, first.Length);
    }

    [Fact]
    public void KeyedDigest_OtherDomain_Differs()
    {
        TenantKeySet keys = NewKeySet();
        byte[] data = Encoding.ASCII.GetBytes(TestCards.Visa);

        Assert.NotEqual(keys.KeyedDigest("pan-fingerprint/v1", data), keys.KeyedDigest("idempotency-request/v1", data));
    }

    [Fact]
    public void KeyedDigest_OtherTenantKey_Differs()
    {
        byte[] data = Encoding.ASCII.GetBytes(TestCards.Visa);

        Assert.NotEqual(NewKeySet().KeyedDigest("pan-fingerprint/v1", data), NewKeySet().KeyedDigest("pan-fingerprint/v1", data));
    }

    [Fact]
    public void KeyedDigest_IsNotABareHash()
    {
        byte[] data = Encoding.ASCII.GetBytes(TestCards.Visa);

        byte[] digest = NewKeySet().KeyedDigest("pan-fingerprint/v1", data);

        Assert.NotEqual(SHA256.HashData(data), digest);
    }

    [Fact]
    public void KeyedDigest_DomainSeparatorPreventsShiftingBytesBetweenDomainAndData()
    {
        TenantKeySet keys = NewKeySet();

        Assert.NotEqual(keys.KeyedDigest("ab", "c"u8), keys.KeyedDigest("a", "bc"u8));
    }
}

#pragma warning disable CA1001 // xunit disposes the fields through IAsyncLifetime.DisposeAsync.
public sealed class TenantKeyringTests : IAsyncLifetime
#pragma warning restore CA1001
{
    private readonly SqliteDatabase _database = new();
    private readonly TempDirectory _keys = new("strongroom-kek");
    private readonly ManualClock _time = new();
    private IVaultStore _store = null!;
    private LocalFileKeyProvider _provider = null!;

    public async Task InitializeAsync()
    {
        _store = _database.NewStore();
        await _store.MigrateAsync(CancellationToken.None);
        _provider = new LocalFileKeyProvider(
            Options.Create(new LocalKeyFileOptions { Path = _keys.File("kek.json") }), NullLogger<LocalFileKeyProvider>.Instance);
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        _keys.Dispose();
    }

    private async Task<Guid> CreateTenantAsync(TenantKeyring keyring)
    {
        Guid id = Guid.NewGuid();
        IReadOnlyList<TenantKeyRecord> keys = await keyring.CreateInitialKeysAsync(id, CancellationToken.None);
        await _store.CreateTenantAsync(new Tenant(id, "t", _time.GetUtcNow()), keys, CancellationToken.None);
        return id;
    }

    [Fact]
    public async Task CreateInitialKeys_ReturnsWrappedDataAndFingerprintKeys()
    {
        var keyring = new TenantKeyring(_store, _provider, _time);
        Guid tenant = Guid.NewGuid();

        IReadOnlyList<TenantKeyRecord> keys = await keyring.CreateInitialKeysAsync(tenant, CancellationToken.None);

        Assert.Equal([TenantKeyPurpose.Data, TenantKeyPurpose.Fingerprint], keys.Select(k => k.Purpose).ToArray());
        Assert.All(keys, k =>
        {
            Assert.Equal(tenant, k.TenantId);
            Assert.Equal(1, k.Version);
            Assert.Equal(LocalFileKeyProvider.ProviderName, k.Provider);
            Assert.Equal(1, k.KekVersion);
            Assert.Equal(_time.GetUtcNow(), k.CreatedAt);
            Assert.Equal(Envelope.SealedSize(Envelope.KeySize), k.Wrapped.Length);
        });
        Assert.NotEqual(keys[0].Wrapped, keys[1].Wrapped);
    }

    [Fact]
    public async Task Get_TwoTenants_HaveDifferentKeys()
    {
        var keyring = new TenantKeyring(_store, _provider, _time);
        TenantKeySet a = await keyring.GetAsync(await CreateTenantAsync(keyring), CancellationToken.None);
        TenantKeySet b = await keyring.GetAsync(await CreateTenantAsync(keyring), CancellationToken.None);
        Guid record = Guid.NewGuid();
        byte[] data = Encoding.ASCII.GetBytes(TestCards.Visa);

        byte[] sealedByA = a.Seal(RecordKind.PciToken, record, data);

        Assert.NotEqual(a.KeyedDigest("pan-fingerprint/v1", data), b.KeyedDigest("pan-fingerprint/v1", data));
        Assert.ThrowsAny<CryptographicException>(() => b.Open(RecordKind.PciToken, record, sealedByA));
        Assert.Equal(data, a.Open(RecordKind.PciToken, record, sealedByA));
    }

    [Fact]
    public async Task Get_FreshKeyringSameKeyFile_UnwrapsSameKeys()
    {
        var first = new TenantKeyring(_store, _provider, _time);
        Guid tenant = await CreateTenantAsync(first);
        byte[] sealedBytes = (await first.GetAsync(tenant, CancellationToken.None)).Seal(RecordKind.PciToken, tenant, [4, 2]);
        byte[] digest = (await first.GetAsync(tenant, CancellationToken.None)).KeyedDigest("d", [1]);

        var second = new TenantKeyring(_store, _provider, _time);
        TenantKeySet reloaded = await second.GetAsync(tenant, CancellationToken.None);

        Assert.Equal(new byte[] { 4, 2 }, reloaded.Open(RecordKind.PciToken, tenant, sealedBytes));
        Assert.Equal(digest, reloaded.KeyedDigest("d", [1]));
    }

    [Fact]
    public async Task Get_Twice_ReturnsCachedSetUntilEvicted()
    {
        var keyring = new TenantKeyring(_store, _provider, _time);
        Guid tenant = await CreateTenantAsync(keyring);

        TenantKeySet first = await keyring.GetAsync(tenant, CancellationToken.None);
        TenantKeySet second = await keyring.GetAsync(tenant, CancellationToken.None);
        keyring.Evict(tenant);
        TenantKeySet third = await keyring.GetAsync(tenant, CancellationToken.None);

        Assert.Same(first, second);
        Assert.NotSame(first, third);
        Assert.Equal(tenant, third.TenantId);
    }

    [Fact]
    public async Task Get_UnknownTenant_ThrowsTenantNotFound()
    {
        var keyring = new TenantKeyring(_store, _provider, _time);
        Guid unknown = Guid.NewGuid();

        var exception = await Assert.ThrowsAsync<TenantNotFoundException>(async () => await keyring.GetAsync(unknown, CancellationToken.None));

        Assert.Equal(unknown, exception.TenantId);
    }

    [Fact]
    public async Task Get_WrappedKeysCopiedToAnotherTenant_FailToUnwrap()
    {
        var keyring = new TenantKeyring(_store, _provider, _time);
        Guid victim = Guid.NewGuid();
        IReadOnlyList<TenantKeyRecord> keys = await keyring.CreateInitialKeysAsync(victim, CancellationToken.None);
        Guid attacker = Guid.NewGuid();

        // Someone with database access copies the victim's wrapped keys to their own tenant row.
        await _store.CreateTenantAsync(new Tenant(attacker, "copy", _time.GetUtcNow()), [.. keys.Select(k => k with { TenantId = attacker })], CancellationToken.None);

        await Assert.ThrowsAnyAsync<CryptographicException>(async () => await keyring.GetAsync(attacker, CancellationToken.None));
    }
}

/// <summary>A node meeting a record sealed under a data-key version it has not loaded (another node or the CLI rotated meanwhile).</summary>
#pragma warning disable CA1001 // xunit disposes the fields through IAsyncLifetime.DisposeAsync.
public sealed class TenantKeyringVersionMissTests : IAsyncLifetime
#pragma warning restore CA1001
{
    private readonly SqliteDatabase _database = new();
    private readonly TempDirectory _keys = new("strongroom-kek");
    private readonly ManualClock _time = new();
    private IVaultStore _store = null!;
    private LocalFileKeyProvider _provider = null!;

    public async Task InitializeAsync()
    {
        _store = _database.NewStore();
        await _store.MigrateAsync(CancellationToken.None);
        _provider = NewProvider();
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        _keys.Dispose();
    }

    [Fact]
    public async Task OpenAsync_RecordUnderVersionAnotherNodeAdded_ReloadsWithinTheCacheLifetimeAndOpens()
    {
        var rotating = new TenantKeyring(_store, _provider, _time);
        var serving = new TenantKeyring(_store, _provider, _time);
        Guid tenant = await CreateTenantAsync(rotating);
        TenantKeySet before = await serving.GetAsync(tenant, CancellationToken.None);
        Guid record = Guid.NewGuid();

        Assert.Equal(2, await rotating.AddDataKeyVersionAsync(tenant, CancellationToken.None));
        byte[] underV2 = (await rotating.GetAsync(tenant, CancellationToken.None)).Seal(RecordKind.PciToken, record, [4, 1, 1]);
        byte[] opened = await serving.OpenAsync(tenant, RecordKind.PciToken, record, underV2, CancellationToken.None);
        TenantKeySet after = await serving.GetAsync(tenant, CancellationToken.None);

        Assert.Equal(1, before.CurrentDataKeyVersion);
        Assert.Equal(new byte[] { 4, 1, 1 }, opened);
        Assert.Equal(2, after.CurrentDataKeyVersion); // the reload also moved this node's writes to the new version
        Assert.Equal([1, 2], after.DataKeyVersions);
        Assert.Throws<KeyVersionUnavailableException>(() => before.Open(RecordKind.PciToken, record, underV2));
    }

    [Fact]
    public async Task GetForVersion_BurstOfMisses_SharesOneReload()
    {
        var rotating = new TenantKeyring(_store, _provider, _time);
        var serving = new TenantKeyring(_store, _provider, _time);
        Guid tenant = await CreateTenantAsync(rotating);
        TenantKeySet stale = await serving.GetAsync(tenant, CancellationToken.None);
        await rotating.AddDataKeyVersionAsync(tenant, CancellationToken.None);

        TenantKeySet[] sets = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(async () => await serving.GetForVersionAsync(tenant, 2, CancellationToken.None))));

        // Every caller got the one set a single reload produced, not a set of its own.
        Assert.All(sets, set => Assert.Same(sets[0], set));
        Assert.NotSame(stale, sets[0]);
        Assert.True(sets[0].HasDataKey(2));
    }

    [Fact]
    public async Task GetForVersion_VersionNotInTheStore_ThrowsTypedExceptionNamingTenantAndVersion()
    {
        var keyring = new TenantKeyring(_store, _provider, _time);
        Guid tenant = await CreateTenantAsync(keyring);

        var error = await Assert.ThrowsAsync<KeyVersionUnavailableException>(async () => await keyring.GetForVersionAsync(tenant, 7, CancellationToken.None));

        Assert.Equal(KeyVersionKind.Data, error.Kind);
        Assert.Equal(tenant, error.TenantId);
        Assert.Equal(7, error.Version);
        Assert.True((await keyring.GetAsync(tenant, CancellationToken.None)).HasDataKey(1)); // the tenant itself still works
    }

    [Fact]
    public async Task Unwrap_KekVersionAnotherProcessCreated_IsFound_ADestroyedOneIsATypedError()
    {
        LocalFileKeyProvider other = NewProvider();
        byte[] key = RandomNumberGenerator.GetBytes(Envelope.KeySize);
        int v2 = await other.CreateKekVersionAsync();
        WrappedKey underV2 = await other.WrapAsync(key, "ctx"u8.ToArray());

        byte[] unwrapped = await _provider.UnwrapAsync(underV2, "ctx"u8.ToArray());
        await other.CreateKekVersionAsync();
        await other.DestroyKekVersionAsync(v2);
        LocalFileKeyProvider restarted = NewProvider(); // a process that never held version 2 re-reads the file, and it is gone
        var error = await Assert.ThrowsAsync<KeyVersionUnavailableException>(async () => await restarted.UnwrapAsync(underV2, "ctx"u8.ToArray()));

        Assert.Equal(key, unwrapped);
        Assert.Equal(KeyVersionKind.Kek, error.Kind);
        Assert.Equal(v2, error.Version);
    }

    private LocalFileKeyProvider NewProvider() =>
        new(Options.Create(new LocalKeyFileOptions { Path = _keys.File("kek.json") }), NullLogger<LocalFileKeyProvider>.Instance);

    private async Task<Guid> CreateTenantAsync(TenantKeyring keyring)
    {
        Guid id = Guid.NewGuid();
        IReadOnlyList<TenantKeyRecord> keys = await keyring.CreateInitialKeysAsync(id, CancellationToken.None);
        await _store.CreateTenantAsync(new Tenant(id, "t", _time.GetUtcNow()), keys, CancellationToken.None);
        return id;
    }
}
