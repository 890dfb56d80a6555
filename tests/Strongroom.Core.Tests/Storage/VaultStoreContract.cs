using System.Globalization;
using System.Security.Cryptography;
using Strongroom.Core.Cards;
using Strongroom.Core.Crypto;
using Strongroom.Core.Events;
using Strongroom.Core.Idempotency;
using Strongroom.Core.Storage;
using Strongroom.Core.Tenancy;
using Strongroom.Core.Tests.Support;
using Strongroom.Core.Tokens;

namespace Strongroom.Core.Tests.Storage;

/// <summary>
/// The contract every <see cref="IVaultStore"/> must honour, written once and run against each engine by a
/// concrete subclass. Tests share one migrated database per class, so each creates its own tenants and
/// asserts only about its own rows (the purge methods are global: they assert containment, not equality).
/// Times are whole milliseconds because both engines store Unix milliseconds.
/// </summary>
public abstract partial class VaultStoreContract
{
    protected static readonly DateTimeOffset T0 = ManualClock.DefaultStart;

    private static readonly CancellationToken None = CancellationToken.None;

    protected VaultStoreContract(StoreFixture fixture)
    {
        // SkipException from the constructor marks every [SkippableFact] of the class as skipped (PostgreSQL without a server, locally).
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        Fixture = fixture;
    }

    protected StoreFixture Fixture { get; }

    protected IVaultStore Store => Fixture.Store;

    protected abstract string ExpectedEngine { get; }

    // ---- helpers -------------------------------------------------------------------------------

    private static string Ordered(Guid id) => id.ToString("D");

    private static TenantKeyRecord KeyRecord(Guid tenantId, TenantKeyPurpose purpose, int version) =>
        new(tenantId, purpose, version, "local-file", 1, RandomNumberGenerator.GetBytes(Envelope.SealedSize(32)), T0);

    private async Task<Tenant> NewTenantAsync(string name = "tenant")
    {
        var tenant = new Tenant(Guid.NewGuid(), name, T0);
        await Store.CreateTenantAsync(tenant, [KeyRecord(tenant.Id, TenantKeyPurpose.Data, 1), KeyRecord(tenant.Id, TenantKeyPurpose.Fingerprint, 1)], None);
        return tenant;
    }

    private static PciTokenRecord NewToken(Guid tenantId, Guid? id = null, DateTimeOffset? expiresAt = null, string? metadataJson = null) =>
        new(
            id ?? Guid.NewGuid(),
            tenantId,
            CardScheme.Visa,
            "411111",
            "1111",
            16,
            12,
            2034,
            RandomNumberGenerator.GetBytes(32),
            RandomNumberGenerator.GetBytes(Envelope.SealedSize(40)),
            metadataJson,
            T0,
            expiresAt);

    private async Task<PciTokenRecord> InsertTokenAsync(Guid tenantId, Guid? id = null, DateTimeOffset? expiresAt = null)
    {
        PciTokenRecord token = NewToken(tenantId, id, expiresAt);
        await Store.InsertPciTokenAsync(token, VaultEvents.PciTokenCreated(token), null, None);
        return token;
    }

    private static void AssertSameToken(PciTokenRecord expected, PciTokenRecord? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Id, actual.Id);
        Assert.Equal(expected.TenantId, actual.TenantId);
        Assert.Equal(expected.Scheme, actual.Scheme);
        Assert.Equal(expected.First6, actual.First6);
        Assert.Equal(expected.LastFour, actual.LastFour);
        Assert.Equal(expected.PanLength, actual.PanLength);
        Assert.Equal(expected.ExpiryMonth, actual.ExpiryMonth);
        Assert.Equal(expected.ExpiryYear, actual.ExpiryYear);
        Assert.Equal(expected.Fingerprint, actual.Fingerprint);
        Assert.Equal(expected.Ciphertext, actual.Ciphertext);
        Assert.Equal(expected.MetadataJson, actual.MetadataJson);
        Assert.Equal(expected.CreatedAt, actual.CreatedAt);
        Assert.Equal(expected.ExpiresAt, actual.ExpiresAt);
    }

    private static IdempotencyRecord NewReservation(Guid tenantId, string key, DateTimeOffset createdAt, TimeSpan? ttl = null) =>
        new(Guid.NewGuid(), tenantId, key, RandomNumberGenerator.GetBytes(32), null, null, createdAt, createdAt + (ttl ?? TimeSpan.FromHours(24)));

    private static string NewKey() => "idem-" + Guid.NewGuid().ToString("N");

    private static async Task<long> CountSchemaVersionsAsync(StoreDatabase database) =>
        Convert.ToInt64(await database.ScalarAsync("SELECT COUNT(*) FROM schema_migrations"), CultureInfo.InvariantCulture);

    private static async Task<long> MaxSchemaVersionAsync(StoreDatabase database) =>
        Convert.ToInt64(await database.ScalarAsync("SELECT MAX(version) FROM schema_migrations"), CultureInfo.InvariantCulture);

    // ---- engine, ping, migrations ------------------------------------------------------------------

    [SkippableFact]
    public async Task Engine_IsTheExpectedName()
    {
        string engine = Store.Engine;

        Assert.Equal(ExpectedEngine, engine);
        Assert.Equal(ExpectedEngine, Fixture.Database.Engine);
        Assert.True(await Store.PingAsync(None));
    }

    [SkippableFact]
    public async Task Ping_FreshUnmigratedDatabase_True()
    {
        StoreDatabase database = await Fixture.CreateDatabaseAsync();

        bool alive = await database.NewStore().PingAsync(None);

        Assert.True(alive);
    }

    [SkippableFact]
    public async Task MigrateAsync_CalledTwice_IsIdempotentAndKeepsData()
    {
        Tenant tenant = await NewTenantAsync();
        long versionsBefore = await CountSchemaVersionsAsync(Fixture.Database);

        await Store.MigrateAsync(None);
        await Fixture.Database.NewStore().MigrateAsync(None);

        Assert.Equal(tenant, await Store.GetTenantAsync(tenant.Id, None));
        Assert.Equal(versionsBefore, await CountSchemaVersionsAsync(Fixture.Database));
        Assert.Equal(versionsBefore, await MaxSchemaVersionAsync(Fixture.Database));
        Assert.True(versionsBefore >= 1);
    }

    [SkippableFact]
    public async Task MigrateAsync_ConcurrentlyOnFreshDatabase_AppliesEachVersionOnce()
    {
        StoreDatabase database = await Fixture.CreateDatabaseAsync();
        IVaultStore shared = database.NewStore();
        IVaultStore[] nodes = [shared, shared, database.NewStore(), database.NewStore(), database.NewStore(), database.NewStore()];

        // Six migrators at once: two on one instance, four as separate "nodes" on the same database.
        await Task.WhenAll(nodes.Select(node => Task.Run(() => node.MigrateAsync(None))));

        long versions = await CountSchemaVersionsAsync(database);
        Assert.True(versions >= 1);
        Assert.Equal(versions, await MaxSchemaVersionAsync(database));
        var tenant = new Tenant(Guid.NewGuid(), "after concurrent migration", T0);
        await nodes[2].CreateTenantAsync(tenant, [KeyRecord(tenant.Id, TenantKeyPurpose.Data, 1)], None);
        Assert.Equal(tenant, await nodes[5].GetTenantAsync(tenant.Id, None));
    }

    [SkippableFact]
    public async Task MigrateAsync_SameVersionCountOnEveryFreshDatabase()
    {
        StoreDatabase database = await Fixture.CreateDatabaseAsync();

        await database.NewStore().MigrateAsync(None);

        Assert.Equal(await CountSchemaVersionsAsync(Fixture.Database), await CountSchemaVersionsAsync(database));
    }
}
