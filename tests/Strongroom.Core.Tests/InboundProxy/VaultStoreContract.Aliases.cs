using Strongroom.Core.Events;
using Strongroom.Core.Tenancy;
using Strongroom.Core.Tokens;

namespace Strongroom.Core.Tests.Storage;

/// <summary>The alias part of the store contract (runs on SQLite and PostgreSQL with the rest of <see cref="VaultStoreContract"/>).</summary>
public abstract partial class VaultStoreContract
{
    private const string SomeAlias = "4111110000001111";

    [SkippableFact]
    public async Task InsertPciTokenWithAlias_FindsTheTokenByAliasAndTheAliasByToken()
    {
        Tenant tenant = await NewTenantAsync();
        PciTokenRecord token = NewToken(tenant.Id);

        Assert.True(await Store.InsertPciTokenWithAliasAsync(token, SomeAlias, VaultEvents.PciTokenCreated(token), null, None));

        AssertSameToken(token, await Store.GetPciTokenAsync(tenant.Id, token.Id, T0, None));
        Assert.Equal(token.Id, await Store.FindPciTokenIdByAliasAsync(tenant.Id, SomeAlias, None));
        Assert.Equal(SomeAlias, await Store.GetPciTokenAliasAsync(tenant.Id, token.Id, None));
    }

    [SkippableFact]
    public async Task InsertPciTokenWithAlias_TakenAlias_WritesNothing()
    {
        Tenant tenant = await NewTenantAsync();
        PciTokenRecord first = NewToken(tenant.Id);
        PciTokenRecord second = NewToken(tenant.Id);
        Assert.True(await Store.InsertPciTokenWithAliasAsync(first, SomeAlias, VaultEvents.PciTokenCreated(first), null, None));

        Assert.False(await Store.InsertPciTokenWithAliasAsync(second, SomeAlias, VaultEvents.PciTokenCreated(second), null, None));

        Assert.Null(await Store.GetPciTokenAsync(tenant.Id, second.Id, T0, None));
        Assert.Equal(first.Id, await Store.FindPciTokenIdByAliasAsync(tenant.Id, SomeAlias, None));
    }

    [SkippableFact]
    public async Task InsertPciTokenWithAlias_SameAliasInAnotherTenant_IsIndependent()
    {
        Tenant a = await NewTenantAsync();
        Tenant b = await NewTenantAsync();
        PciTokenRecord inA = NewToken(a.Id);
        PciTokenRecord inB = NewToken(b.Id);

        Assert.True(await Store.InsertPciTokenWithAliasAsync(inA, SomeAlias, VaultEvents.PciTokenCreated(inA), null, None));
        Assert.True(await Store.InsertPciTokenWithAliasAsync(inB, SomeAlias, VaultEvents.PciTokenCreated(inB), null, None));

        Assert.Equal(inA.Id, await Store.FindPciTokenIdByAliasAsync(a.Id, SomeAlias, None));
        Assert.Equal(inB.Id, await Store.FindPciTokenIdByAliasAsync(b.Id, SomeAlias, None));
        Assert.Null(await Store.GetPciTokenAliasAsync(b.Id, inA.Id, None));
    }

    [SkippableFact]
    public async Task DeletePciToken_ErasesItsAlias()
    {
        Tenant tenant = await NewTenantAsync();
        PciTokenRecord token = NewToken(tenant.Id);
        Assert.True(await Store.InsertPciTokenWithAliasAsync(token, SomeAlias, VaultEvents.PciTokenCreated(token), null, None));

        Assert.True(await Store.DeletePciTokenAsync(tenant.Id, token.Id, VaultEvents.PciTokenDeleted(tenant.Id, token.Id, T0), None));

        Assert.Null(await Store.FindPciTokenIdByAliasAsync(tenant.Id, SomeAlias, None));
        PciTokenRecord reuse = NewToken(tenant.Id);
        Assert.True(await Store.InsertPciTokenWithAliasAsync(reuse, SomeAlias, VaultEvents.PciTokenCreated(reuse), null, None));
    }
}
