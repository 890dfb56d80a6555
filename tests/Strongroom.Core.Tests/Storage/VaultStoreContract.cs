using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using Strongroom.Core.Bins;
using Strongroom.Core.Cards;
using Strongroom.Core.Crypto;
using Strongroom.Core.Events;
using Strongroom.Core.Idempotency;
using Strongroom.Core.NetworkTokens;
using Strongroom.Core.Sessions;
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
public abstract class VaultStoreContract
{
    protected static readonly DateTimeOffset T0 = FakeTimeProvider.DefaultStart;

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

    // ---- tenants and keys --------------------------------------------------------------------------

    [SkippableFact]
    public async Task CreateTenant_WithKeys_RoundTripsTenantAndKeys()
    {
        var tenant = new Tenant(Guid.NewGuid(), "Acme Ünïcode ✓", T0.AddMilliseconds(123));
        TenantKeyRecord[] keys =
        [
            KeyRecord(tenant.Id, TenantKeyPurpose.Fingerprint, 1),
            KeyRecord(tenant.Id, TenantKeyPurpose.Data, 2),
            KeyRecord(tenant.Id, TenantKeyPurpose.Data, 1) with { KekVersion = 3, Provider = "pkcs11", CreatedAt = T0.AddDays(-1) },
        ];

        await Store.CreateTenantAsync(tenant, keys, None);

        Assert.Equal(tenant, await Store.GetTenantAsync(tenant.Id, None));
        IReadOnlyList<TenantKeyRecord> stored = await Store.GetTenantKeysAsync(tenant.Id, None);
        TenantKeyRecord[] expected = [keys[2], keys[1], keys[0]]; // ordered by purpose, then version
        Assert.Equal(expected.Length, stored.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].TenantId, stored[i].TenantId);
            Assert.Equal(expected[i].Purpose, stored[i].Purpose);
            Assert.Equal(expected[i].Version, stored[i].Version);
            Assert.Equal(expected[i].Provider, stored[i].Provider);
            Assert.Equal(expected[i].KekVersion, stored[i].KekVersion);
            Assert.Equal(expected[i].Wrapped, stored[i].Wrapped);
            Assert.Equal(expected[i].CreatedAt, stored[i].CreatedAt);
        }
    }

    [SkippableFact]
    public async Task CreateTenant_KeyInsertFails_RollsBackTheTenant()
    {
        var tenant = new Tenant(Guid.NewGuid(), "half-created", T0);
        TenantKeyRecord key = KeyRecord(tenant.Id, TenantKeyPurpose.Data, 1);

        // The second key violates the (tenant, purpose, version) primary key after tenant and first key were written.
        await Assert.ThrowsAnyAsync<DbException>(() => Store.CreateTenantAsync(tenant, [key, key], None));

        Assert.Null(await Store.GetTenantAsync(tenant.Id, None));
        Assert.Empty(await Store.GetTenantKeysAsync(tenant.Id, None));
        Assert.DoesNotContain(await Store.ListTenantsAsync(None), t => t.Id == tenant.Id);
    }

    [SkippableFact]
    public async Task CreateTenant_DuplicateId_Throws()
    {
        Tenant tenant = await NewTenantAsync("first");

        await Assert.ThrowsAnyAsync<DbException>(() => Store.CreateTenantAsync(tenant with { Name = "second" }, [], None));

        Assert.Equal("first", (await Store.GetTenantAsync(tenant.Id, None))!.Name);
    }

    [SkippableFact]
    public async Task GetTenant_Unknown_ReturnsNullAndNoKeys()
    {
        Guid unknown = Guid.NewGuid();

        Assert.Null(await Store.GetTenantAsync(unknown, None));
        Assert.Empty(await Store.GetTenantKeysAsync(unknown, None));
    }

    [SkippableFact]
    public async Task GetTenantKeys_OnlyThatTenantsKeys()
    {
        Tenant a = await NewTenantAsync();
        Tenant b = await NewTenantAsync();

        IReadOnlyList<TenantKeyRecord> keys = await Store.GetTenantKeysAsync(a.Id, None);

        Assert.Equal(2, keys.Count);
        Assert.All(keys, k => Assert.Equal(a.Id, k.TenantId));
        Assert.DoesNotContain(keys, k => k.TenantId == b.Id);
    }

    [SkippableFact]
    public async Task ListTenants_ContainsCreatedTenantsOrderedById()
    {
        Tenant[] created = [await NewTenantAsync("x"), await NewTenantAsync("y"), await NewTenantAsync("z")];

        IReadOnlyList<Tenant> tenants = await Store.ListTenantsAsync(None);

        Assert.All(created, t => Assert.Contains(t, tenants));
        Assert.Equal(tenants.Select(t => Ordered(t.Id)).Order(StringComparer.Ordinal), tenants.Select(t => Ordered(t.Id)));
    }

    // ---- API keys ------------------------------------------------------------------------------------

    private static VaultEvent ApiKeyCreatedEvent(ApiKeyRecord key) => VaultEvents.ApiKeyCreated(key.TenantId, key.Id, "api_key", key.Name, key.CreatedAt);

    private static ApiKeyRecord NewApiKey(Guid tenantId, DateTimeOffset? createdAt = null, string? name = "ci key", DateTimeOffset? expiresAt = null) =>
        new(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), tenantId, name, SecretHasher.Hash(SecretHasher.NewSecret()),
            VaultRights.TokensCreate | VaultRights.TokensRead, createdAt ?? T0, expiresAt, null);

    [SkippableFact]
    public async Task CreateApiKey_Get_RoundTripsEveryField()
    {
        Tenant tenant = await NewTenantAsync();
        ApiKeyRecord withAll = NewApiKey(tenant.Id, expiresAt: T0.AddDays(90)) with { Rights = VaultRights.DataOut | VaultRights.TokensDelete };
        ApiKeyRecord withNulls = NewApiKey(tenant.Id, name: null);

        await Store.CreateApiKeyAsync(withAll, ApiKeyCreatedEvent(withAll), None);
        await Store.CreateApiKeyAsync(withNulls, ApiKeyCreatedEvent(withNulls), None);

        Assert.Equal(withAll, await Store.GetApiKeyAsync(withAll.Id, None));
        Assert.Equal(withNulls, await Store.GetApiKeyAsync(withNulls.Id, None));
    }

    [SkippableFact]
    public async Task GetApiKey_Unknown_ReturnsNull()
    {
        Assert.Null(await Store.GetApiKeyAsync("0123456789abcdef", None));
    }

    [SkippableFact]
    public async Task CreateApiKey_UnknownTenant_Refused()
    {
        ApiKeyRecord key = NewApiKey(Guid.NewGuid());

        await Assert.ThrowsAnyAsync<DbException>(() => Store.CreateApiKeyAsync(key, ApiKeyCreatedEvent(key), None));

        Assert.Null(await Store.GetApiKeyAsync(key.Id, None));
    }

    [SkippableFact]
    public async Task ListApiKeys_OnlyTheTenantsKeysInCreationOrder()
    {
        Tenant tenant = await NewTenantAsync();
        Tenant other = await NewTenantAsync();
        ApiKeyRecord second = NewApiKey(tenant.Id, T0.AddMinutes(2));
        ApiKeyRecord first = NewApiKey(tenant.Id, T0.AddMinutes(1));
        ApiKeyRecord third = NewApiKey(tenant.Id, T0.AddMinutes(3));
        await Store.CreateApiKeyAsync(second, ApiKeyCreatedEvent(second), None);
        await Store.CreateApiKeyAsync(first, ApiKeyCreatedEvent(first), None);
        await Store.CreateApiKeyAsync(third, ApiKeyCreatedEvent(third), None);
        await Store.CreateApiKeyAsync(NewApiKey(other.Id, T0), ApiKeyCreatedEvent(NewApiKey(other.Id, T0)), None);

        IReadOnlyList<ApiKeyRecord> keys = await Store.ListApiKeysAsync(tenant.Id, None);

        Assert.Equal([first, second, third], keys);
        Assert.Empty(await Store.ListApiKeysAsync(Guid.NewGuid(), None));
    }

    [SkippableFact]
    public async Task RevokeApiKey_OtherTenant_FalseAndKeyStaysUsable()
    {
        Tenant owner = await NewTenantAsync();
        Tenant attacker = await NewTenantAsync();
        ApiKeyRecord key = NewApiKey(owner.Id);
        await Store.CreateApiKeyAsync(key, ApiKeyCreatedEvent(key), None);

        bool revoked = await Store.RevokeApiKeyAsync(attacker.Id, key.Id, T0.AddHours(1), VaultEvents.ApiKeyDeleted(attacker.Id, key.Id, "api_key", T0.AddHours(1)), None);

        Assert.False(revoked);
        Assert.Null((await Store.GetApiKeyAsync(key.Id, None))!.RevokedAt);
    }

    [SkippableFact]
    public async Task RevokeApiKey_Owner_TrueOnceAndKeepsFirstRevocationTime()
    {
        Tenant owner = await NewTenantAsync();
        ApiKeyRecord key = NewApiKey(owner.Id);
        await Store.CreateApiKeyAsync(key, ApiKeyCreatedEvent(key), None);

        bool first = await Store.RevokeApiKeyAsync(owner.Id, key.Id, T0.AddHours(1), VaultEvents.ApiKeyDeleted(owner.Id, key.Id, "api_key", T0.AddHours(1)), None);
        bool second = await Store.RevokeApiKeyAsync(owner.Id, key.Id, T0.AddHours(2), VaultEvents.ApiKeyDeleted(owner.Id, key.Id, "api_key", T0.AddHours(2)), None);

        Assert.True(first);
        Assert.False(second);
        ApiKeyRecord stored = (await Store.GetApiKeyAsync(key.Id, None))!;
        Assert.Equal(T0.AddHours(1), stored.RevokedAt);
        Assert.False(stored.IsUsableAt(T0.AddHours(1)));
    }

    [SkippableFact]
    public async Task RevokeApiKey_UnknownKey_False()
    {
        Tenant owner = await NewTenantAsync();

        Assert.False(await Store.RevokeApiKeyAsync(owner.Id, "ffffffffffffffff", T0, VaultEvents.ApiKeyDeleted(owner.Id, "ffffffffffffffff", "api_key", T0), None));
    }

    // ---- settings ------------------------------------------------------------------------------------

    [SkippableFact]
    public async Task GetSetting_Missing_ReturnsNull()
    {
        Assert.Null(await Store.GetSettingAsync("missing-" + Guid.NewGuid(), None));
    }

    [SkippableFact]
    public async Task TryAddSetting_OnlyTheFirstWriteWins()
    {
        string name = "setting-" + Guid.NewGuid();

        bool first = await Store.TryAddSettingAsync(name, "one", None);
        bool second = await Store.TryAddSettingAsync(name, "two", None);

        Assert.True(first);
        Assert.False(second);
        Assert.Equal("one", await Store.GetSettingAsync(name, None));
    }

    [SkippableFact]
    public async Task TryAddSetting_Concurrently_ExactlyOneWins()
    {
        string name = "setting-" + Guid.NewGuid();

        bool[] results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => Store.TryAddSettingAsync(name, "value-" + i, None))));

        int winner = Assert.Single(Enumerable.Range(0, 8), i => results[i]);
        Assert.Equal("value-" + winner, await Store.GetSettingAsync(name, None));
    }

    // ---- PCI tokens ----------------------------------------------------------------------------------

    [SkippableFact]
    public async Task InsertPciToken_Get_RoundTripsEveryColumn()
    {
        Tenant tenant = await NewTenantAsync();
        PciTokenRecord withExpiry = NewToken(tenant.Id, expiresAt: T0.AddDays(30), metadataJson: """{"order":"A-1001"}""") with
        {
            Scheme = CardScheme.AmericanExpress,
            First6 = "378282",
            LastFour = "0005",
            PanLength = 15,
            ExpiryMonth = 1,
            ExpiryYear = 2040,
            CreatedAt = T0.AddMilliseconds(7),
        };
        PciTokenRecord withoutExpiry = NewToken(tenant.Id);

        await Store.InsertPciTokenAsync(withExpiry, VaultEvents.PciTokenCreated(withExpiry), null, None);
        await Store.InsertPciTokenAsync(withoutExpiry, VaultEvents.PciTokenCreated(withoutExpiry), null, None);

        AssertSameToken(withExpiry, await Store.GetPciTokenAsync(tenant.Id, withExpiry.Id, T0, None));
        AssertSameToken(withoutExpiry, await Store.GetPciTokenAsync(tenant.Id, withoutExpiry.Id, T0.AddYears(50), None));
    }

    [SkippableFact]
    public async Task InsertPciToken_DuplicateId_Throws()
    {
        Tenant tenant = await NewTenantAsync();
        PciTokenRecord token = await InsertTokenAsync(tenant.Id);

        await Assert.ThrowsAnyAsync<DbException>(() => Store.InsertPciTokenAsync(NewToken(tenant.Id, token.Id), VaultEvents.PciTokenCreated(NewToken(tenant.Id, token.Id)), null, None));

        AssertSameToken(token, await Store.GetPciTokenAsync(tenant.Id, token.Id, T0, None));
    }

    [SkippableFact]
    public async Task InsertPciToken_UnknownTenant_Refused()
    {
        PciTokenRecord token = NewToken(Guid.NewGuid());

        await Assert.ThrowsAnyAsync<DbException>(() => Store.InsertPciTokenAsync(token, VaultEvents.PciTokenCreated(token), null, None));
    }

    [SkippableFact]
    public async Task GetPciToken_OtherTenant_ReturnsNull()
    {
        Tenant owner = await NewTenantAsync();
        Tenant other = await NewTenantAsync();
        PciTokenRecord token = await InsertTokenAsync(owner.Id);

        Assert.Null(await Store.GetPciTokenAsync(other.Id, token.Id, T0, None));
        Assert.NotNull(await Store.GetPciTokenAsync(owner.Id, token.Id, T0, None));
    }

    [SkippableFact]
    public async Task GetPciToken_AtOrAfterExpiry_Hidden()
    {
        Tenant tenant = await NewTenantAsync();
        PciTokenRecord token = await InsertTokenAsync(tenant.Id, expiresAt: T0.AddMinutes(5));

        Assert.NotNull(await Store.GetPciTokenAsync(tenant.Id, token.Id, T0.AddMinutes(5).AddMilliseconds(-1), None));
        Assert.Null(await Store.GetPciTokenAsync(tenant.Id, token.Id, T0.AddMinutes(5), None));
        Assert.Null(await Store.GetPciTokenAsync(tenant.Id, token.Id, T0.AddDays(1), None));
    }

    [SkippableFact]
    public async Task GetPciToken_Unknown_ReturnsNull()
    {
        Tenant tenant = await NewTenantAsync();

        Assert.Null(await Store.GetPciTokenAsync(tenant.Id, Guid.NewGuid(), T0, None));
    }

    [SkippableFact]
    public async Task ListPciTokens_PagesInIdOrderWithAfterCursor()
    {
        Tenant tenant = await NewTenantAsync();
        Tenant other = await NewTenantAsync();
        var ids = new List<Guid>();
        for (int i = 0; i < 7; i++)
        {
            // Random (v4) ids, inserted in random order, so insertion order is not id order.
            ids.Add((await InsertTokenAsync(tenant.Id)).Id);
            await InsertTokenAsync(other.Id);
        }

        List<Guid> expected = [.. ids.OrderBy(Ordered, StringComparer.Ordinal)];

        IReadOnlyList<PciTokenRecord> page1 = await Store.ListPciTokensAsync(tenant.Id, null, 3, T0, None);
        IReadOnlyList<PciTokenRecord> page2 = await Store.ListPciTokensAsync(tenant.Id, page1[^1].Id, 3, T0, None);
        IReadOnlyList<PciTokenRecord> page3 = await Store.ListPciTokensAsync(tenant.Id, page2[^1].Id, 3, T0, None);
        IReadOnlyList<PciTokenRecord> page4 = await Store.ListPciTokensAsync(tenant.Id, page3[^1].Id, 3, T0, None);

        Assert.Equal(expected[0..3], page1.Select(t => t.Id));
        Assert.Equal(expected[3..6], page2.Select(t => t.Id));
        Assert.Equal(expected[6..7], page3.Select(t => t.Id));
        Assert.Empty(page4);
        Assert.All(page1.Concat(page2).Concat(page3), t => Assert.Equal(tenant.Id, t.TenantId));
    }

    [SkippableFact]
    public async Task ListPciTokens_LimitLargerThanCount_ReturnsAllInIdOrder()
    {
        Tenant tenant = await NewTenantAsync();
        Guid[] ids = [(await InsertTokenAsync(tenant.Id)).Id, (await InsertTokenAsync(tenant.Id)).Id, (await InsertTokenAsync(tenant.Id)).Id];

        IReadOnlyList<PciTokenRecord> all = await Store.ListPciTokensAsync(tenant.Id, null, 100, T0, None);

        Assert.Equal(ids.OrderBy(Ordered, StringComparer.Ordinal), all.Select(t => t.Id));
    }

    [SkippableFact]
    public async Task ListPciTokens_AfterIsABoundNotAnExistingId()
    {
        Tenant tenant = await NewTenantAsync();
        PciTokenRecord low = await InsertTokenAsync(tenant.Id, Guid.Parse("10000000-0000-4000-8000-000000000000"));
        PciTokenRecord high = await InsertTokenAsync(tenant.Id, Guid.Parse("f0000000-0000-4000-8000-000000000000"));

        IReadOnlyList<PciTokenRecord> afterMiddle = await Store.ListPciTokensAsync(tenant.Id, Guid.Parse("80000000-0000-4000-8000-000000000000"), 10, T0, None);
        IReadOnlyList<PciTokenRecord> afterLow = await Store.ListPciTokensAsync(tenant.Id, low.Id, 10, T0, None);

        Assert.Equal([high.Id], afterMiddle.Select(t => t.Id));
        Assert.Equal([high.Id], afterLow.Select(t => t.Id));
    }

    [SkippableFact]
    public async Task ListPciTokens_OrdersUuidsByTheirBytesNotDotNetGuidOrder()
    {
        Tenant tenant = await NewTenantAsync();

        // System.Guid compares its first field as a little-endian int; both engines must order by the canonical text/bytes.
        Guid a = Guid.Parse("00000001-ffff-4000-8000-000000000000");
        Guid b = Guid.Parse("00000100-0000-4000-8000-000000000000");
        Guid c = Guid.Parse("01000000-0000-4000-8000-000000000000");
        await InsertTokenAsync(tenant.Id, c);
        await InsertTokenAsync(tenant.Id, a);
        await InsertTokenAsync(tenant.Id, b);

        IReadOnlyList<PciTokenRecord> all = await Store.ListPciTokensAsync(tenant.Id, null, 10, T0, None);

        Assert.Equal([a, b, c], all.Select(t => t.Id));
    }

    [SkippableFact]
    public async Task ListPciTokens_HidesExpiredTokens()
    {
        Tenant tenant = await NewTenantAsync();
        PciTokenRecord expired = await InsertTokenAsync(tenant.Id, expiresAt: T0.AddMinutes(-1));
        PciTokenRecord expiringNow = await InsertTokenAsync(tenant.Id, expiresAt: T0);
        PciTokenRecord live = await InsertTokenAsync(tenant.Id, expiresAt: T0.AddMinutes(1));
        PciTokenRecord forever = await InsertTokenAsync(tenant.Id);

        IReadOnlyList<PciTokenRecord> listed = await Store.ListPciTokensAsync(tenant.Id, null, 10, T0, None);

        Assert.Equal(new[] { live.Id, forever.Id }.OrderBy(Ordered, StringComparer.Ordinal), listed.Select(t => t.Id));
        Assert.DoesNotContain(listed, t => t.Id == expired.Id || t.Id == expiringNow.Id);
    }

    [SkippableFact]
    public async Task ListPciTokens_ExpiredTokensDoNotShortenThePage()
    {
        Tenant tenant = await NewTenantAsync();
        for (int i = 0; i < 5; i++)
        {
            await InsertTokenAsync(tenant.Id, expiresAt: T0.AddSeconds(-1));
        }

        Guid[] live = [(await InsertTokenAsync(tenant.Id)).Id, (await InsertTokenAsync(tenant.Id)).Id];

        IReadOnlyList<PciTokenRecord> page = await Store.ListPciTokensAsync(tenant.Id, null, 2, T0, None);

        Assert.Equal(live.OrderBy(Ordered, StringComparer.Ordinal), page.Select(t => t.Id));
    }

    [SkippableFact]
    public async Task DeletePciToken_OtherTenant_FalseAndTokenSurvives()
    {
        Tenant owner = await NewTenantAsync();
        Tenant attacker = await NewTenantAsync();
        PciTokenRecord token = await InsertTokenAsync(owner.Id);

        bool deleted = await Store.DeletePciTokenAsync(attacker.Id, token.Id, VaultEvents.PciTokenDeleted(attacker.Id, token.Id, T0), None);

        Assert.False(deleted);
        AssertSameToken(token, await Store.GetPciTokenAsync(owner.Id, token.Id, T0, None));
    }

    [SkippableFact]
    public async Task DeletePciToken_Owner_TrueOnceThenGone()
    {
        Tenant owner = await NewTenantAsync();
        PciTokenRecord token = await InsertTokenAsync(owner.Id);
        PciTokenRecord neighbour = await InsertTokenAsync(owner.Id);

        bool first = await Store.DeletePciTokenAsync(owner.Id, token.Id, VaultEvents.PciTokenDeleted(owner.Id, token.Id, T0), None);
        bool second = await Store.DeletePciTokenAsync(owner.Id, token.Id, VaultEvents.PciTokenDeleted(owner.Id, token.Id, T0), None);

        Assert.True(first);
        Assert.False(second);
        Assert.Null(await Store.GetPciTokenAsync(owner.Id, token.Id, T0, None));
        Assert.Equal([neighbour.Id], (await Store.ListPciTokensAsync(owner.Id, null, 10, T0, None)).Select(t => t.Id));
    }

    [SkippableFact]
    public async Task DeletePciToken_Unknown_False()
    {
        Tenant owner = await NewTenantAsync();

        Assert.False(await Store.DeletePciTokenAsync(owner.Id, Guid.NewGuid(), VaultEvents.PciTokenDeleted(owner.Id, Guid.NewGuid(), T0), None));
    }

    [SkippableFact]
    public async Task PurgeExpiredPciTokens_ReturnsExpiredIdsInBatchesAndKeepsLiveTokens()
    {
        Tenant tenant = await NewTenantAsync();
        DateTimeOffset now = T0.AddDays(1);
        PciTokenRecord[] expired =
        [
            await InsertTokenAsync(tenant.Id, expiresAt: now.AddHours(-2)),
            await InsertTokenAsync(tenant.Id, expiresAt: now.AddMinutes(-1)),
            await InsertTokenAsync(tenant.Id, expiresAt: now),
        ];
        PciTokenRecord live = await InsertTokenAsync(tenant.Id, expiresAt: now.AddMilliseconds(1));
        PciTokenRecord forever = await InsertTokenAsync(tenant.Id);

        var purged = new List<(Guid TenantId, Guid TokenId)>();
        IReadOnlyList<(Guid TenantId, Guid TokenId)> batch = await Store.PurgeExpiredPciTokensAsync(now, 2, (t, id) => VaultEvents.PciTokenExpired(t, id, T0), None);
        Assert.Equal(2, batch.Count); // at least three expired tokens exist, so the first batch is full
        while (batch.Count > 0)
        {
            Assert.True(batch.Count <= 2);
            purged.AddRange(batch);
            batch = await Store.PurgeExpiredPciTokensAsync(now, 2, (t, id) => VaultEvents.PciTokenExpired(t, id, T0), None);
        }

        Assert.All(expired, t => Assert.Contains((tenant.Id, t.Id), purged));
        Assert.DoesNotContain(purged, p => p.TokenId == live.Id || p.TokenId == forever.Id);
        Assert.Equal(purged.Count, purged.Distinct().Count());

        // Erased, not just hidden: not even a read "in the past" finds them.
        foreach (PciTokenRecord token in expired)
        {
            Assert.Null(await Store.GetPciTokenAsync(tenant.Id, token.Id, T0.AddYears(-10), None));
        }

        Assert.NotNull(await Store.GetPciTokenAsync(tenant.Id, live.Id, now, None));
        Assert.NotNull(await Store.GetPciTokenAsync(tenant.Id, forever.Id, now, None));
    }

    [SkippableFact]
    public async Task PurgeExpiredPciTokens_NothingExpiredBeforeNow_ReturnsNoneOfTheLiveOnes()
    {
        Tenant tenant = await NewTenantAsync();
        PciTokenRecord future = await InsertTokenAsync(tenant.Id, expiresAt: T0.AddYears(100));

        IReadOnlyList<(Guid TenantId, Guid TokenId)> purged = await Store.PurgeExpiredPciTokensAsync(T0.AddYears(99), 1000, (t, id) => VaultEvents.PciTokenExpired(t, id, T0), None);

        Assert.DoesNotContain((tenant.Id, future.Id), purged);
        Assert.NotNull(await Store.GetPciTokenAsync(tenant.Id, future.Id, T0, None));
    }

    // ---- sessions ------------------------------------------------------------------------------------

    [SkippableFact]
    public async Task InsertSession_Get_RoundTrips()
    {
        Tenant tenant = await NewTenantAsync();
        var tokenSession = new SessionRecord(Guid.NewGuid(), tenant.Id, SessionKind.PciToken, SessionStatus.Created, null, """{"expires_in_seconds":60}""", T0, T0.AddMinutes(15));
        var codeSession = new SessionRecord(Guid.NewGuid(), tenant.Id, SessionKind.SecurityCode, SessionStatus.Completed, Guid.NewGuid(), null, T0.AddMilliseconds(1), T0.AddMinutes(15), 2, T0.AddMinutes(1));

        await Store.InsertSessionAsync(tokenSession, null, None);
        await Store.InsertSessionAsync(codeSession, null, None);

        Assert.Equal(tokenSession, await Store.GetSessionAsync(tenant.Id, tokenSession.Id, None));
        Assert.Equal(codeSession, await Store.GetSessionAsync(tenant.Id, codeSession.Id, None));
        Assert.Equal(codeSession, await Store.FindSessionAsync(codeSession.Id, None));
    }

    [SkippableFact]
    public async Task GetSession_OtherTenant_ReturnsNull_ExpiredStaysReadable()
    {
        Tenant tenant = await NewTenantAsync();
        Tenant other = await NewTenantAsync();
        var session = new SessionRecord(Guid.NewGuid(), tenant.Id, SessionKind.PciToken, SessionStatus.Created, null, null, T0, T0.AddMinutes(15));
        await Store.InsertSessionAsync(session, null, None);

        Assert.Null(await Store.GetSessionAsync(other.Id, session.Id, None));
        Assert.Null(await Store.FindSessionAsync(Guid.NewGuid(), None));
        SessionRecord? read = await Store.GetSessionAsync(tenant.Id, session.Id, None);
        Assert.NotNull(read);
        Assert.Equal(SessionStatus.Expired, read.StatusAt(T0.AddMinutes(15)));
    }

    [SkippableFact]
    public async Task PurgeSessions_RemovesThoseExpiredBeforeTheCutoffOnly()
    {
        Tenant tenant = await NewTenantAsync();
        DateTimeOffset now = T0.AddDays(2);
        var expiredA = new SessionRecord(Guid.NewGuid(), tenant.Id, SessionKind.PciToken, SessionStatus.Created, null, null, T0, now.AddMinutes(-1));
        var expiredB = expiredA with { Id = Guid.NewGuid(), ExpiresAt = now };
        var live = expiredA with { Id = Guid.NewGuid(), ExpiresAt = now.AddMinutes(1) };
        foreach (SessionRecord session in new[] { expiredA, expiredB, live })
        {
            await Store.InsertSessionAsync(session, null, None);
        }

        int purged = await Store.PurgeSessionsAsync(now, None);

        Assert.True(purged >= 2, $"purged {purged}");
        Assert.Null(await Store.GetSessionAsync(tenant.Id, expiredA.Id, None));
        Assert.Null(await Store.GetSessionAsync(tenant.Id, expiredB.Id, None));
        Assert.Equal(live, await Store.GetSessionAsync(tenant.Id, live.Id, None));
    }

    [SkippableFact]
    public async Task TryCompleteSession_WritesTokenAndSessionTogether_Once()
    {
        Tenant tenant = await NewTenantAsync();
        var session = new SessionRecord(Guid.NewGuid(), tenant.Id, SessionKind.PciToken, SessionStatus.Created, null, null, T0, T0.AddMinutes(15));
        await Store.InsertSessionAsync(session, null, None);
        PciTokenRecord first = NewToken(tenant.Id);
        PciTokenRecord second = NewToken(tenant.Id);
        DateTimeOffset at = T0.AddMinutes(1);

        Assert.Equal(SessionWriteResult.Completed, await Store.TryCompleteSessionAsync(session.Id, first.Id, at, new SessionCompletionWrites(first), None));
        Assert.Equal(SessionWriteResult.SessionClosed, await Store.TryCompleteSessionAsync(session.Id, second.Id, at, new SessionCompletionWrites(second), None));

        SessionRecord? completed = await Store.GetSessionAsync(tenant.Id, session.Id, None);
        Assert.Equal(session with { Status = SessionStatus.Completed, TokenId = first.Id, CompletedAt = at }, completed);
        Assert.NotNull(await Store.GetPciTokenAsync(tenant.Id, first.Id, at, None));
        Assert.Null(await Store.GetPciTokenAsync(tenant.Id, second.Id, at, None)); // rolled back: nothing half-written
    }

    [SkippableFact]
    public async Task TryCompleteSession_ExpiredOrLocked_WritesNothing()
    {
        Tenant tenant = await NewTenantAsync();
        var expired = new SessionRecord(Guid.NewGuid(), tenant.Id, SessionKind.PciToken, SessionStatus.Created, null, null, T0, T0.AddMinutes(15));
        var locked = expired with { Id = Guid.NewGuid(), Status = SessionStatus.Locked };
        await Store.InsertSessionAsync(expired, null, None);
        await Store.InsertSessionAsync(locked, null, None);
        PciTokenRecord token = NewToken(tenant.Id);

        Assert.Equal(SessionWriteResult.SessionClosed, await Store.TryCompleteSessionAsync(expired.Id, token.Id, T0.AddMinutes(15), new SessionCompletionWrites(token), None));
        Assert.Equal(SessionWriteResult.SessionClosed, await Store.TryCompleteSessionAsync(locked.Id, token.Id, T0, new SessionCompletionWrites(token), None));

        Assert.Null(await Store.GetPciTokenAsync(tenant.Id, token.Id, T0, None));
        Assert.Equal(expired, await Store.GetSessionAsync(tenant.Id, expired.Id, None));
    }

    [SkippableFact]
    public async Task TryCompleteSession_ConcurrentCompleters_ExactlyOneWins()
    {
        Tenant tenant = await NewTenantAsync();
        var session = new SessionRecord(Guid.NewGuid(), tenant.Id, SessionKind.PciToken, SessionStatus.Created, null, null, T0, T0.AddMinutes(15));
        await Store.InsertSessionAsync(session, null, None);
        PciTokenRecord[] tokens = Enumerable.Range(0, 8).Select(_ => NewToken(tenant.Id)).ToArray();

        SessionWriteResult[] results = await Task.WhenAll(tokens.Select(t => Task.Run(() => Store.TryCompleteSessionAsync(session.Id, t.Id, T0, new SessionCompletionWrites(t), None))));

        Assert.Equal(1, results.Count(r => r == SessionWriteResult.Completed));
        int stored = 0;
        foreach (PciTokenRecord token in tokens)
        {
            stored += await Store.GetPciTokenAsync(tenant.Id, token.Id, T0, None) is null ? 0 : 1;
        }

        Assert.Equal(1, stored);
    }

    [SkippableFact]
    public async Task RecordFailedSessionAttempt_CountsAndLocksAtTheLimit()
    {
        Tenant tenant = await NewTenantAsync();
        var session = new SessionRecord(Guid.NewGuid(), tenant.Id, SessionKind.PciToken, SessionStatus.Created, null, null, T0, T0.AddMinutes(15));
        await Store.InsertSessionAsync(session, null, None);

        Assert.Equal(1, await Store.RecordFailedSessionAttemptAsync(session.Id, 3, T0, None));
        Assert.Equal(2, await Store.RecordFailedSessionAttemptAsync(session.Id, 3, T0, None));
        Assert.Equal(SessionStatus.Created, (await Store.FindSessionAsync(session.Id, None))!.Status);
        Assert.Equal(3, await Store.RecordFailedSessionAttemptAsync(session.Id, 3, T0, None));
        Assert.Equal(SessionStatus.Locked, (await Store.FindSessionAsync(session.Id, None))!.Status);
        Assert.Null(await Store.RecordFailedSessionAttemptAsync(session.Id, 3, T0, None)); // no longer open
        Assert.Null(await Store.RecordFailedSessionAttemptAsync(Guid.NewGuid(), 3, T0, None));
    }

    // ---- network tokens and events --------------------------------------------------------------------

    private static NetworkTokenRecord NewNetworkToken(Guid tenantId, byte[]? fingerprint = null, NetworkTokenStatus status = NetworkTokenStatus.Active) => new(
        Guid.CreateVersion7(), tenantId, CardScheme.Visa, "411111", "1111", 16, 12, 2030, fingerprint ?? RandomNumberGenerator.GetBytes(32),
        RandomNumberGenerator.GetBytes(40), RandomNumberGenerator.GetBytes(40), 12, 2030, NetworkTokenType.Vts, "ref-" + Guid.NewGuid().ToString("N"),
        status, SuspensionParties.None, Guid.NewGuid(), """{"k":"v"}""", 0, T0, T0);

    private static VaultEvent NewEvent(NetworkTokenRecord token, string type, DateTimeOffset at) =>
        new(Guid.CreateVersion7(at), token.TenantId, type, token.Id.ToString(), """{"status":"active"}""", at);

    [SkippableFact]
    public async Task NetworkToken_InsertGet_RoundTripsWithItsEvent()
    {
        Tenant tenant = await NewTenantAsync();
        NetworkTokenRecord token = NewNetworkToken(tenant.Id);
        VaultEvent created = NewEvent(token, VaultEventTypes.NetworkTokenCreated, T0);

        Assert.True(await Store.InsertNetworkTokenAsync(token, created, null, None));

        NetworkTokenRecord? read = await Store.GetNetworkTokenAsync(tenant.Id, token.Id, None);
        Assert.NotNull(read);
        Assert.Equal(token with { Fingerprint = read.Fingerprint, CardCiphertext = read.CardCiphertext, TokenPanCiphertext = read.TokenPanCiphertext }, read);
        Assert.Equal(token.Fingerprint, read.Fingerprint);
        Assert.Equal(token.TokenPanCiphertext, read.TokenPanCiphertext);
        Assert.Equal([created], await Store.ListEventsAsync(tenant.Id, token.Id.ToString(), None));
        Assert.Null(await Store.GetNetworkTokenAsync((await NewTenantAsync()).Id, token.Id, None));
        Assert.Empty(await Store.ListEventsAsync((await NewTenantAsync()).Id, token.Id.ToString(), None));
    }

    [SkippableFact]
    public async Task NetworkToken_OneLiveTokenPerCardAndTenant()
    {
        Tenant tenant = await NewTenantAsync();
        Tenant other = await NewTenantAsync();
        byte[] fingerprint = RandomNumberGenerator.GetBytes(32);
        NetworkTokenRecord first = NewNetworkToken(tenant.Id, fingerprint);
        NetworkTokenRecord duplicate = NewNetworkToken(tenant.Id, fingerprint);
        Assert.True(await Store.InsertNetworkTokenAsync(first, NewEvent(first, VaultEventTypes.NetworkTokenCreated, T0), null, None));

        Assert.False(await Store.InsertNetworkTokenAsync(duplicate, NewEvent(duplicate, VaultEventTypes.NetworkTokenCreated, T0), null, None));
        Assert.Null(await Store.GetNetworkTokenAsync(tenant.Id, duplicate.Id, None));
        Assert.Empty(await Store.ListEventsAsync(tenant.Id, duplicate.Id.ToString(), None)); // the event rolled back with the row

        NetworkTokenRecord elsewhere = NewNetworkToken(other.Id, fingerprint);
        Assert.True(await Store.InsertNetworkTokenAsync(elsewhere, NewEvent(elsewhere, VaultEventTypes.NetworkTokenCreated, T0), null, None));

        // Once the first is deleted, the card may be tokenized again.
        Assert.True(await Store.UpdateNetworkTokenStatusAsync(first, NetworkTokenStatus.Deleted, SuspensionParties.None, true, T0, NewEvent(first, VaultEventTypes.NetworkTokenDeleted, T0), null, None));
        Assert.True(await Store.InsertNetworkTokenAsync(duplicate, NewEvent(duplicate, VaultEventTypes.NetworkTokenCreated, T0), null, None));
    }

    [SkippableFact]
    public async Task NetworkToken_UpdateStatus_CompareAndSet_EraseEmptiesCiphertexts()
    {
        Tenant tenant = await NewTenantAsync();
        NetworkTokenRecord token = NewNetworkToken(tenant.Id);
        await Store.InsertNetworkTokenAsync(token, NewEvent(token, VaultEventTypes.NetworkTokenCreated, T0), null, None);
        DateTimeOffset later = T0.AddMinutes(1);

        Assert.True(await Store.UpdateNetworkTokenStatusAsync(token, NetworkTokenStatus.Suspended, SuspensionParties.Issuer, false, later, NewEvent(token, VaultEventTypes.NetworkTokenStatusChanged, later), null, None));
        Assert.False(await Store.UpdateNetworkTokenStatusAsync(token, NetworkTokenStatus.Deleted, SuspensionParties.None, true, later, NewEvent(token, VaultEventTypes.NetworkTokenDeleted, later), null, None)); // stale state

        NetworkTokenRecord suspended = (await Store.GetNetworkTokenAsync(tenant.Id, token.Id, None))!;
        Assert.Equal((NetworkTokenStatus.Suspended, SuspensionParties.Issuer, later), (suspended.Status, suspended.SuspendedBy, suspended.UpdatedAt));
        Assert.Equal(token.CardCiphertext, suspended.CardCiphertext);
        Assert.Equal(2, (await Store.ListEventsAsync(tenant.Id, token.Id.ToString(), None)).Count);

        Assert.True(await Store.UpdateNetworkTokenStatusAsync(suspended, NetworkTokenStatus.Deleted, SuspensionParties.None, true, later, NewEvent(token, VaultEventTypes.NetworkTokenDeleted, later), null, None));
        NetworkTokenRecord deleted = (await Store.GetNetworkTokenAsync(tenant.Id, token.Id, None))!;
        Assert.Equal(NetworkTokenStatus.Deleted, deleted.Status);
        Assert.Empty(deleted.CardCiphertext);
        Assert.Empty(deleted.TokenPanCiphertext);
        Assert.Equal([VaultEventTypes.NetworkTokenCreated, VaultEventTypes.NetworkTokenStatusChanged, VaultEventTypes.NetworkTokenDeleted],
            (await Store.ListEventsAsync(tenant.Id, token.Id.ToString(), None)).Select(e => e.Type));
    }

    [SkippableFact]
    public async Task Cryptograms_CountersIncrease_OnlyForActiveTokens_SingleUse()
    {
        Tenant tenant = await NewTenantAsync();
        NetworkTokenRecord token = NewNetworkToken(tenant.Id);
        NetworkTokenRecord inactive = NewNetworkToken(tenant.Id, status: NetworkTokenStatus.Inactive);
        await Store.InsertNetworkTokenAsync(token, NewEvent(token, VaultEventTypes.NetworkTokenCreated, T0), null, None);
        await Store.InsertNetworkTokenAsync(inactive, NewEvent(inactive, VaultEventTypes.NetworkTokenCreated, T0), null, None);
        var pending = new CryptogramRecord(token.Id, tenant.Id, 0, 1999, "EUR", null, T0, T0.AddMinutes(10));

        long? first = await Store.IssueCryptogramAsync(pending, NewEvent(token, VaultEventTypes.NetworkTokenCryptogramIssued, T0), null, None);
        long? second = await Store.IssueCryptogramAsync(pending with { ReferenceDigest = RandomNumberGenerator.GetBytes(32) }, NewEvent(token, VaultEventTypes.NetworkTokenCryptogramIssued, T0), null, None);
        long? refused = await Store.IssueCryptogramAsync(pending with { TokenId = inactive.Id }, NewEvent(inactive, VaultEventTypes.NetworkTokenCryptogramIssued, T0), null, None);

        Assert.Equal(1, first);
        Assert.Equal(2, second);
        Assert.Null(refused);
        Assert.Equal(2, (await Store.GetNetworkTokenAsync(tenant.Id, token.Id, None))!.CryptogramCounter);
        CryptogramRecord? stored = await Store.GetCryptogramAsync(tenant.Id, token.Id, 1, None);
        Assert.Equal(pending with { Counter = 1 }, stored);

        Assert.True(await Store.UseCryptogramAsync(tenant.Id, token.Id, 1, T0.AddMinutes(1), None));
        Assert.False(await Store.UseCryptogramAsync(tenant.Id, token.Id, 1, T0.AddMinutes(1), None));
        Assert.False(await Store.UseCryptogramAsync(tenant.Id, token.Id, 2, T0.AddMinutes(10), None)); // expired
        Assert.False(await Store.UseCryptogramAsync((await NewTenantAsync()).Id, token.Id, 2, T0, None));
        Assert.Equal(T0.AddMinutes(1), (await Store.GetCryptogramAsync(tenant.Id, token.Id, 1, None))!.UsedAt);

        Assert.True(await Store.PurgeCryptogramsAsync(T0.AddMinutes(10), None) >= 2);
        Assert.Null(await Store.GetCryptogramAsync(tenant.Id, token.Id, 1, None));
    }

    [SkippableFact]
    public async Task TryCompleteSession_WithNetworkToken_ConflictRollsBackTheSessionToo()
    {
        Tenant tenant = await NewTenantAsync();
        byte[] fingerprint = RandomNumberGenerator.GetBytes(32);
        NetworkTokenRecord live = NewNetworkToken(tenant.Id, fingerprint);
        await Store.InsertNetworkTokenAsync(live, NewEvent(live, VaultEventTypes.NetworkTokenCreated, T0), null, None);
        var session = new SessionRecord(Guid.NewGuid(), tenant.Id, SessionKind.NetworkToken, SessionStatus.Created, null, null, T0, T0.AddMinutes(15));
        await Store.InsertSessionAsync(session, null, None);
        NetworkTokenRecord duplicate = NewNetworkToken(tenant.Id, fingerprint);
        NetworkTokenRecord fresh = NewNetworkToken(tenant.Id);

        SessionWriteResult conflict = await Store.TryCompleteSessionAsync(session.Id, duplicate.Id, T0, new SessionCompletionWrites(NetworkToken: duplicate, Events: [NewEvent(duplicate, VaultEventTypes.NetworkTokenCreated, T0)]), None);
        SessionRecord afterConflict = (await Store.GetSessionAsync(tenant.Id, session.Id, None))!;
        SessionWriteResult completed = await Store.TryCompleteSessionAsync(session.Id, fresh.Id, T0, new SessionCompletionWrites(NetworkToken: fresh, Events: [NewEvent(fresh, VaultEventTypes.NetworkTokenCreated, T0)]), None);

        Assert.Equal(SessionWriteResult.TokenConflict, conflict);
        Assert.Equal(SessionStatus.Created, afterConflict.Status);
        Assert.Equal(SessionWriteResult.Completed, completed);
        Assert.Equal(fresh.Id, (await Store.GetSessionAsync(tenant.Id, session.Id, None))!.TokenId);
        Assert.Single(await Store.ListEventsAsync(tenant.Id, fresh.Id.ToString(), None));
        Assert.Empty(await Store.ListEventsAsync(tenant.Id, duplicate.Id.ToString(), None));
    }

    // ---- single-use tokens and the BIN table -------------------------------------------------------------

    private static SingleUseTokenRecord NewSingleUse(Guid tenantId, DateTimeOffset? expiresAt = null) => new(
        Guid.CreateVersion7(), "tok_" + Guid.NewGuid().ToString("N")[..24], "card_" + Guid.NewGuid().ToString("N")[..24], tenantId, CardScheme.Visa,
        "450875", "1019", 16, 1, 2039, RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(48), RandomNumberGenerator.GetBytes(40),
        CardFunding.Debit, "THE CO-OPERATIVE BANK PLC", "GB", "bnk_x", "192.168.1.20", T0, expiresAt ?? T0.AddMinutes(5));

    [SkippableFact]
    public async Task SingleUseToken_InsertGet_RoundTrips_ScopedToTenant()
    {
        Tenant tenant = await NewTenantAsync();
        SingleUseTokenRecord token = NewSingleUse(tenant.Id);

        await Store.InsertSingleUseTokenAsync(token, None);

        SingleUseTokenRecord? read = await Store.GetSingleUseTokenAsync(tenant.Id, token.PublicId, None);
        Assert.NotNull(read);
        Assert.Equal(token with { Fingerprint = read.Fingerprint, Ciphertext = read.Ciphertext, AddressCiphertext = read.AddressCiphertext }, read);
        Assert.Equal(token.Ciphertext, read.Ciphertext);
        Assert.Equal(token.AddressCiphertext, read.AddressCiphertext);
        Assert.Null(await Store.GetSingleUseTokenAsync((await NewTenantAsync()).Id, token.PublicId, None));
    }

    [SkippableFact]
    public async Task SingleUseToken_UseOnce_ErasesCardData_AndWritesThePciTokenInTheSameTransaction()
    {
        Tenant tenant = await NewTenantAsync();
        SingleUseTokenRecord token = NewSingleUse(tenant.Id);
        await Store.InsertSingleUseTokenAsync(token, None);
        PciTokenRecord first = NewToken(tenant.Id);
        PciTokenRecord second = NewToken(tenant.Id);

        Assert.True(await Store.TryUseSingleUseTokenAsync(tenant.Id, token.PublicId, T0.AddMinutes(1), first, [], null, None));
        Assert.False(await Store.TryUseSingleUseTokenAsync(tenant.Id, token.PublicId, T0.AddMinutes(1), second, [], null, None));

        SingleUseTokenRecord used = (await Store.GetSingleUseTokenAsync(tenant.Id, token.PublicId, None))!;
        Assert.Equal(T0.AddMinutes(1), used.UsedAt);
        Assert.Empty(used.Ciphertext);
        Assert.Null(used.AddressCiphertext);
        Assert.NotNull(await Store.GetPciTokenAsync(tenant.Id, first.Id, T0, None));
        Assert.Null(await Store.GetPciTokenAsync(tenant.Id, second.Id, T0, None));
    }

    [SkippableFact]
    public async Task SingleUseToken_ExpiredOrOtherTenant_CannotBeUsed_PurgeErasesExpired()
    {
        Tenant tenant = await NewTenantAsync();
        SingleUseTokenRecord token = NewSingleUse(tenant.Id, T0.AddMinutes(5));
        SingleUseTokenRecord live = NewSingleUse(tenant.Id, T0.AddMinutes(50));
        await Store.InsertSingleUseTokenAsync(token, None);
        await Store.InsertSingleUseTokenAsync(live, None);

        Assert.False(await Store.TryUseSingleUseTokenAsync((await NewTenantAsync()).Id, token.PublicId, T0, null, [], null, None));
        Assert.False(await Store.TryUseSingleUseTokenAsync(tenant.Id, token.PublicId, T0.AddMinutes(5), null, [], null, None));

        IReadOnlyList<(Guid TenantId, Guid Id)> purged = await Store.PurgeExpiredSingleUseTokensAsync(T0.AddMinutes(5), 100, None);
        Assert.Contains((tenant.Id, token.Id), purged);
        Assert.DoesNotContain((tenant.Id, live.Id), purged);
        Assert.Null(await Store.GetSingleUseTokenAsync(tenant.Id, token.PublicId, None));
        Assert.NotNull(await Store.GetSingleUseTokenAsync(tenant.Id, live.PublicId, None));
    }

    [SkippableFact]
    public async Task BinRanges_ReplaceIsWholesale_LargeBatchesRoundTrip()
    {
        // The one test of this class touching the instance-wide BIN table.
        List<BinRecord> first = Enumerable.Range(0, 1203)
            .Select(i => new BinRecord((40000000 + i).ToString(CultureInfo.InvariantCulture), CardScheme.Visa, CardFunding.Credit, "BANK, N.A. " + i, "US", "bnk_" + i))
            .ToList();
        var second = new List<BinRecord> { new("555555", CardScheme.Mastercard, CardFunding.Prepaid, "ONLY", "DE", "bnk_only") };

        await Store.ReplaceBinRangesAsync(first, None);
        IReadOnlyList<BinRecord> afterFirst = await Store.ListBinRangesAsync(None);
        await Store.ReplaceBinRangesAsync(second, None);
        IReadOnlyList<BinRecord> afterSecond = await Store.ListBinRangesAsync(None);
        await Store.ReplaceBinRangesAsync([], None);

        Assert.Equal(first.OrderBy(r => r.Prefix, StringComparer.Ordinal), afterFirst.OrderBy(r => r.Prefix, StringComparer.Ordinal));
        Assert.Equal(second, afterSecond);
        Assert.Empty(await Store.ListBinRangesAsync(None));
    }

    // ---- tenant settings -----------------------------------------------------------------------------

    [SkippableFact]
    public async Task TenantSettings_SetReplaceRemove_ScopedToTenant()
    {
        Tenant tenant = await NewTenantAsync();
        Tenant other = await NewTenantAsync();

        Assert.Null(await Store.GetTenantSettingAsync(tenant.Id, "s", None));
        await Store.SetTenantSettingAsync(tenant.Id, "s", "one", None);
        await Store.SetTenantSettingAsync(tenant.Id, "s", "two", None);
        Assert.Equal("two", await Store.GetTenantSettingAsync(tenant.Id, "s", None));
        Assert.Null(await Store.GetTenantSettingAsync(other.Id, "s", None));

        await Store.SetTenantSettingAsync(tenant.Id, "s", null, None);
        Assert.Null(await Store.GetTenantSettingAsync(tenant.Id, "s", None));
    }

    // ---- idempotency keys ----------------------------------------------------------------------------

    [SkippableFact]
    public async Task TryReserveIdempotencyKey_New_TrueAndReadableAsReservation()
    {
        Tenant tenant = await NewTenantAsync();
        IdempotencyRecord reservation = NewReservation(tenant.Id, NewKey(), T0);

        bool reserved = await Store.TryReserveIdempotencyKeyAsync(reservation, T0, None);

        Assert.True(reserved);
        IdempotencyRecord? stored = await Store.GetIdempotencyKeyAsync(tenant.Id, reservation.Key, T0, None);
        Assert.NotNull(stored);
        Assert.Equal(reservation.Id, stored.Id);
        Assert.Equal(reservation.TenantId, stored.TenantId);
        Assert.Equal(reservation.Key, stored.Key);
        Assert.Equal(reservation.RequestDigest, stored.RequestDigest);
        Assert.Null(stored.Status);
        Assert.Null(stored.Response);
        Assert.Equal(reservation.CreatedAt, stored.CreatedAt);
        Assert.Equal(reservation.ExpiresAt, stored.ExpiresAt);
    }

    [SkippableFact]
    public async Task TryReserveIdempotencyKey_SameKeyAgain_ConflictKeepsFirst()
    {
        Tenant tenant = await NewTenantAsync();
        string key = NewKey();
        IdempotencyRecord first = NewReservation(tenant.Id, key, T0);
        await Store.TryReserveIdempotencyKeyAsync(first, T0, None);

        bool second = await Store.TryReserveIdempotencyKeyAsync(NewReservation(tenant.Id, key, T0.AddSeconds(1)), T0.AddSeconds(1), None);

        Assert.False(second);
        Assert.Equal(first.Id, (await Store.GetIdempotencyKeyAsync(tenant.Id, key, T0.AddSeconds(1), None))!.Id);
    }

    [SkippableFact]
    public async Task TryReserveIdempotencyKey_SameKeyOtherTenant_IsIndependent()
    {
        Tenant a = await NewTenantAsync();
        Tenant b = await NewTenantAsync();
        string key = NewKey();
        IdempotencyRecord forA = NewReservation(a.Id, key, T0);
        IdempotencyRecord forB = NewReservation(b.Id, key, T0);

        Assert.True(await Store.TryReserveIdempotencyKeyAsync(forA, T0, None));
        Assert.True(await Store.TryReserveIdempotencyKeyAsync(forB, T0, None));

        Assert.Equal(forA.Id, (await Store.GetIdempotencyKeyAsync(a.Id, key, T0, None))!.Id);
        Assert.Equal(forB.Id, (await Store.GetIdempotencyKeyAsync(b.Id, key, T0, None))!.Id);
    }

    [SkippableFact]
    public async Task TryReserveIdempotencyKey_Concurrently_ExactlyOneWins()
    {
        Tenant tenant = await NewTenantAsync();
        string key = NewKey();
        IdempotencyRecord[] attempts = [.. Enumerable.Range(0, 8).Select(_ => NewReservation(tenant.Id, key, T0))];

        bool[] results = await Task.WhenAll(attempts.Select(r => Task.Run(() => Store.TryReserveIdempotencyKeyAsync(r, T0, None))));

        int winner = Assert.Single(Enumerable.Range(0, attempts.Length), i => results[i]);
        Assert.Equal(attempts[winner].Id, (await Store.GetIdempotencyKeyAsync(tenant.Id, key, T0, None))!.Id);
    }

    [SkippableFact]
    public async Task TryReserveIdempotencyKey_ExpiredRecord_IsReplaced()
    {
        Tenant tenant = await NewTenantAsync();
        string key = NewKey();
        IdempotencyRecord old = NewReservation(tenant.Id, key, T0, TimeSpan.FromMinutes(1));
        await Store.TryReserveIdempotencyKeyAsync(old, T0, None);
        await Store.CompleteIdempotencyKeyAsync(tenant.Id, key, old.Id, 201, [1, 2, 3], None);
        DateTimeOffset later = T0.AddMinutes(1);
        IdempotencyRecord replacement = NewReservation(tenant.Id, key, later);

        bool reserved = await Store.TryReserveIdempotencyKeyAsync(replacement, later, None);

        Assert.True(reserved);
        IdempotencyRecord stored = (await Store.GetIdempotencyKeyAsync(tenant.Id, key, later, None))!;
        Assert.Equal(replacement.Id, stored.Id);
        Assert.Null(stored.Status);
        Assert.Null(stored.Response);
    }

    [SkippableFact]
    public async Task GetIdempotencyKey_AtExpiry_ReturnsNull()
    {
        Tenant tenant = await NewTenantAsync();
        IdempotencyRecord reservation = NewReservation(tenant.Id, NewKey(), T0, TimeSpan.FromMinutes(1));
        await Store.TryReserveIdempotencyKeyAsync(reservation, T0, None);

        Assert.NotNull(await Store.GetIdempotencyKeyAsync(tenant.Id, reservation.Key, T0.AddMinutes(1).AddMilliseconds(-1), None));
        Assert.Null(await Store.GetIdempotencyKeyAsync(tenant.Id, reservation.Key, T0.AddMinutes(1), None));
        Assert.Null(await Store.GetIdempotencyKeyAsync(Guid.NewGuid(), reservation.Key, T0, None));
    }

    [SkippableFact]
    public async Task CompleteIdempotencyKey_StoresResponseOnceOnly()
    {
        Tenant tenant = await NewTenantAsync();
        IdempotencyRecord reservation = NewReservation(tenant.Id, NewKey(), T0);
        await Store.TryReserveIdempotencyKeyAsync(reservation, T0, None);

        await Store.CompleteIdempotencyKeyAsync(tenant.Id, reservation.Key, reservation.Id, 201, [1, 2, 3], None);
        await Store.CompleteIdempotencyKeyAsync(tenant.Id, reservation.Key, reservation.Id, 500, [9], None);

        IdempotencyRecord stored = (await Store.GetIdempotencyKeyAsync(tenant.Id, reservation.Key, T0, None))!;
        Assert.Equal(201, stored.Status);
        Assert.Equal(new byte[] { 1, 2, 3 }, stored.Response);
        Assert.Equal(reservation.Id, stored.Id);
    }

    [SkippableFact]
    public async Task CompleteIdempotencyKey_OtherTenant_DoesNotTouchIt()
    {
        Tenant owner = await NewTenantAsync();
        Tenant other = await NewTenantAsync();
        IdempotencyRecord reservation = NewReservation(owner.Id, NewKey(), T0);
        await Store.TryReserveIdempotencyKeyAsync(reservation, T0, None);

        await Store.CompleteIdempotencyKeyAsync(other.Id, reservation.Key, reservation.Id, 201, [1], None);
        await Store.ReleaseIdempotencyKeyAsync(other.Id, reservation.Key, reservation.Id, None);

        IdempotencyRecord stored = (await Store.GetIdempotencyKeyAsync(owner.Id, reservation.Key, T0, None))!;
        Assert.Equal(reservation.Id, stored.Id);
        Assert.Null(stored.Status);
    }

    [SkippableFact]
    public async Task ReleaseIdempotencyKey_Reserved_FreesTheKey()
    {
        Tenant tenant = await NewTenantAsync();
        string key = NewKey();
        IdempotencyRecord reservation = NewReservation(tenant.Id, key, T0);
        await Store.TryReserveIdempotencyKeyAsync(reservation, T0, None);

        await Store.ReleaseIdempotencyKeyAsync(tenant.Id, key, reservation.Id, None);

        Assert.Null(await Store.GetIdempotencyKeyAsync(tenant.Id, key, T0, None));
        Assert.True(await Store.TryReserveIdempotencyKeyAsync(NewReservation(tenant.Id, key, T0), T0, None));
    }

    [SkippableFact]
    public async Task ReleaseIdempotencyKey_Completed_KeepsTheResponse()
    {
        Tenant tenant = await NewTenantAsync();
        string key = NewKey();
        IdempotencyRecord reservation = NewReservation(tenant.Id, key, T0);
        await Store.TryReserveIdempotencyKeyAsync(reservation, T0, None);
        await Store.CompleteIdempotencyKeyAsync(tenant.Id, key, reservation.Id, 200, [7], None);

        await Store.ReleaseIdempotencyKeyAsync(tenant.Id, key, reservation.Id, None);

        Assert.Equal(200, (await Store.GetIdempotencyKeyAsync(tenant.Id, key, T0, None))!.Status);
        Assert.False(await Store.TryReserveIdempotencyKeyAsync(NewReservation(tenant.Id, key, T0), T0, None));
    }

    [SkippableFact]
    public async Task PurgeExpiredIdempotencyKeys_RemovesExpiredOnly()
    {
        Tenant tenant = await NewTenantAsync();
        DateTimeOffset now = T0.AddDays(3);
        IdempotencyRecord expired = NewReservation(tenant.Id, NewKey(), T0, TimeSpan.FromDays(3));
        IdempotencyRecord live = NewReservation(tenant.Id, NewKey(), T0, TimeSpan.FromDays(3).Add(TimeSpan.FromMilliseconds(1)));
        await Store.TryReserveIdempotencyKeyAsync(expired, T0, None);
        await Store.TryReserveIdempotencyKeyAsync(live, T0, None);

        int purged = await Store.PurgeExpiredIdempotencyKeysAsync(now, None);

        Assert.True(purged >= 1, $"purged {purged}");
        Assert.Null(await Store.GetIdempotencyKeyAsync(tenant.Id, expired.Key, T0, None));
        Assert.Equal(live.Id, (await Store.GetIdempotencyKeyAsync(tenant.Id, live.Key, now, None))!.Id);
    }

    [SkippableFact]
    public async Task CompleteAndRelease_WithAnotherReservationId_DoNothing()
    {
        Tenant tenant = await NewTenantAsync();
        IdempotencyRecord reservation = NewReservation(tenant.Id, NewKey(), T0);
        await Store.TryReserveIdempotencyKeyAsync(reservation, T0, None);

        await Store.CompleteIdempotencyKeyAsync(tenant.Id, reservation.Key, Guid.NewGuid(), 201, [1], None);
        await Store.ReleaseIdempotencyKeyAsync(tenant.Id, reservation.Key, Guid.NewGuid(), None);

        IdempotencyRecord stored = (await Store.GetIdempotencyKeyAsync(tenant.Id, reservation.Key, T0, None))!;
        Assert.Equal(reservation.Id, stored.Id);
        Assert.Null(stored.Status);
    }

    [SkippableFact]
    public async Task TryTakeOverIdempotencyKey_SwapsOnlyTheNamedOpenReservation()
    {
        Tenant tenant = await NewTenantAsync();
        string key = NewKey();
        IdempotencyRecord stale = NewReservation(tenant.Id, key, T0);
        await Store.TryReserveIdempotencyKeyAsync(stale, T0, None);
        IdempotencyRecord first = NewReservation(tenant.Id, key, T0.AddMinutes(2));
        IdempotencyRecord second = NewReservation(tenant.Id, key, T0.AddMinutes(2));

        bool firstWon = await Store.TryTakeOverIdempotencyKeyAsync(stale.Id, first, None);
        bool secondWon = await Store.TryTakeOverIdempotencyKeyAsync(stale.Id, second, None);
        await Store.CompleteIdempotencyKeyAsync(tenant.Id, key, first.Id, 200, [5], None);
        bool afterCompletion = await Store.TryTakeOverIdempotencyKeyAsync(first.Id, NewReservation(tenant.Id, key, T0.AddMinutes(3)), None);

        Assert.True(firstWon);
        Assert.False(secondWon);
        Assert.False(afterCompletion);
        IdempotencyRecord stored = (await Store.GetIdempotencyKeyAsync(tenant.Id, key, T0.AddMinutes(3), None))!;
        Assert.Equal(first.Id, stored.Id);
        Assert.Equal(200, stored.Status);
    }

    // ---- sub-accounts and signing keys -------------------------------------------------------------

    private async Task<Tenant> NewSubAccountAsync(Guid parentId)
    {
        var tenant = new Tenant(Guid.NewGuid(), "sub", T0, parentId);
        await Store.CreateTenantAsync(tenant, [KeyRecord(tenant.Id, TenantKeyPurpose.Data, 1), KeyRecord(tenant.Id, TenantKeyPurpose.Fingerprint, 1)], None);
        return tenant;
    }

    private static SigningKeyRecord NewSigningKey(Guid tenantId, DateTimeOffset? createdAt = null) => new(
        Guid.NewGuid(), tenantId, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), RandomNumberGenerator.GetBytes(Envelope.SealedSize(64)),
        1, "title", true, false, [], 0, null, createdAt ?? T0);

    [SkippableFact]
    public async Task SubAccounts_KeepTheirParent_AndAreListedPerAccount()
    {
        Tenant account = await NewTenantAsync();
        Tenant other = await NewTenantAsync();
        Tenant first = await NewSubAccountAsync(account.Id);
        Tenant second = await NewSubAccountAsync(account.Id);
        await NewSubAccountAsync(other.Id);

        IReadOnlyList<Tenant> subs = await Store.ListSubAccountsAsync(account.Id, None);

        Assert.Equal(new[] { first.Id, second.Id }.Order(), subs.Select(t => t.Id).Order());
        Assert.All(subs, t => Assert.Equal(account.Id, t.ParentId));
        Assert.Equal(account.Id, (await Store.GetTenantAsync(first.Id, None))!.ParentId);
        Assert.Null((await Store.GetTenantAsync(account.Id, None))!.ParentId);
    }

    [SkippableFact]
    public async Task SigningKeys_RoundTripAndAreScopedToTheirTenant()
    {
        Tenant tenant = await NewTenantAsync();
        Tenant other = await NewTenantAsync();
        SigningKeyRecord key = NewSigningKey(tenant.Id) with { AccessEndpoints = [new AccessEndpoint("/api/v4/sub-account/list", "List")], RestrictAccess = true };

        await Store.CreateSigningKeyAsync(key, VaultEvents.ApiKeyCreated(key.TenantId, key.Id.ToString(), "signing_key", key.Title, key.CreatedAt), None);
        SigningKeyRecord? byPublic = await Store.GetSigningKeyByPublicKeyAsync(key.PublicKey, None);
        SigningKeyRecord? byId = await Store.GetSigningKeyAsync(tenant.Id, key.Id, None);
        SigningKeyRecord? wrongTenant = await Store.GetSigningKeyAsync(other.Id, key.Id, None);

        Assert.NotNull(byPublic);
        Assert.Equal(key.SealedSecret, byPublic.SealedSecret);
        Assert.Equal(key.AccessEndpoints, byPublic.AccessEndpoints);
        Assert.True(byPublic.RestrictAccess);
        Assert.Equal(key.Id, byId!.Id);
        Assert.Null(wrongTenant);
        Assert.False(await Store.DeleteSigningKeyAsync(other.Id, key.Id, VaultEvents.ApiKeyDeleted(other.Id, key.Id.ToString(), "signing_key", T0), None));
    }

    [SkippableFact]
    public async Task SigningKeys_ListCountUpdateDelete()
    {
        Tenant tenant = await NewTenantAsync();
        SigningKeyRecord[] keys = [NewSigningKey(tenant.Id, T0), NewSigningKey(tenant.Id, T0.AddSeconds(1)), NewSigningKey(tenant.Id, T0.AddSeconds(2))];
        foreach (SigningKeyRecord key in keys)
        {
            await Store.CreateSigningKeyAsync(key, VaultEvents.ApiKeyCreated(key.TenantId, key.Id.ToString(), "signing_key", key.Title, key.CreatedAt), None);
        }

        IReadOnlyList<SigningKeyRecord> page = await Store.ListSigningKeysAsync(tenant.Id, 2, 1, None);
        bool updated = await Store.UpdateSigningKeyAsync(keys[0] with { Title = "renamed", IsEnabled = false }, None);
        bool deleted = await Store.DeleteSigningKeyAsync(tenant.Id, keys[2].Id, VaultEvents.ApiKeyDeleted(tenant.Id, keys[2].Id.ToString(), "signing_key", T0), None);

        Assert.Equal(new[] { keys[1].Id, keys[2].Id }, page.Select(k => k.Id));
        Assert.True(updated);
        SigningKeyRecord reread = (await Store.GetSigningKeyAsync(tenant.Id, keys[0].Id, None))!;
        Assert.Equal("renamed", reread.Title);
        Assert.False(reread.IsEnabled);
        Assert.True(deleted);
        Assert.Equal(2, await Store.CountSigningKeysAsync(tenant.Id, None));
    }

    [SkippableFact]
    public async Task TryUseSigningKey_NonceMustIncrease_AndOnlyOneConcurrentUseOfANonceWins()
    {
        Tenant tenant = await NewTenantAsync();
        SigningKeyRecord key = NewSigningKey(tenant.Id);
        await Store.CreateSigningKeyAsync(key, VaultEvents.ApiKeyCreated(key.TenantId, key.Id.ToString(), "signing_key", key.Title, key.CreatedAt), None);

        bool first = await Store.TryUseSigningKeyAsync(key.Id, 100, requireIncrease: true, T0.AddSeconds(5), None);
        bool same = await Store.TryUseSigningKeyAsync(key.Id, 100, requireIncrease: true, T0.AddSeconds(6), None);
        bool lower = await Store.TryUseSigningKeyAsync(key.Id, 99, requireIncrease: true, T0.AddSeconds(6), None);
        bool[] racing = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Store.TryUseSigningKeyAsync(key.Id, 200, requireIncrease: true, T0.AddSeconds(7), None))));
        bool windowed = await Store.TryUseSigningKeyAsync(key.Id, 1, requireIncrease: false, T0.AddSeconds(8), None);

        Assert.True(first);
        Assert.False(same);
        Assert.False(lower);
        Assert.Single(racing, won => won);
        Assert.True(windowed);
        SigningKeyRecord reread = (await Store.GetSigningKeyAsync(tenant.Id, key.Id, None))!;
        Assert.Equal(200, reread.LastNonce);
        Assert.Equal(T0.AddSeconds(8), reread.LastActivity);
    }

    [SkippableFact]
    public async Task CardTokens_RoundTripAndAreScopedToTheirTenant()
    {
        Tenant tenant = await NewTenantAsync();
        Tenant other = await NewTenantAsync();
        var token = new CardTokenRecord(Guid.NewGuid(), tenant.Id, CardScheme.Mastercard, "555555", "4444", 16,
            RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(Envelope.SealedSize(20)), T0);

        await Store.InsertCardTokenAsync(token, None);
        CardTokenRecord? read = await Store.GetCardTokenAsync(tenant.Id, token.Id, None);
        CardTokenRecord? foreign = await Store.GetCardTokenAsync(other.Id, token.Id, None);

        Assert.NotNull(read);
        Assert.Equal(token.Ciphertext, read.Ciphertext);
        Assert.Equal(token.Fingerprint, read.Fingerprint);
        Assert.Equal("555555******4444", read.MaskedCardNumber);
        Assert.Equal(T0, read.CreatedAt);
        Assert.Null(foreign);
    }
}
