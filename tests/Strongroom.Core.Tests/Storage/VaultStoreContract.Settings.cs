using Strongroom.Core.Tenancy;

namespace Strongroom.Core.Tests.Storage;

public abstract partial class VaultStoreContract
{
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
}
