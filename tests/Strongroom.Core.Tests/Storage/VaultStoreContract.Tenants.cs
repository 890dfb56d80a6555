using System.Data.Common;
using Strongroom.Core.Crypto;
using Strongroom.Core.Tenancy;

namespace Strongroom.Core.Tests.Storage;

public abstract partial class VaultStoreContract
{
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
}
