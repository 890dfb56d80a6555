using Strongroom.Core.Crypto;

namespace Strongroom.Core.Tenancy;

/// <summary>The tenants (accounts and sub-accounts) and their wrapped keys.</summary>
public interface ITenantStore
{
    /// <summary>Creates a tenant together with its initial wrapped keys, atomically.</summary>
    Task CreateTenantAsync(Tenant tenant, IReadOnlyList<TenantKeyRecord> keys, CancellationToken cancellationToken);

    Task<Tenant?> GetTenantAsync(Guid tenantId, CancellationToken cancellationToken);

    Task<IReadOnlyList<Tenant>> ListTenantsAsync(CancellationToken cancellationToken);

    /// <summary>The sub-accounts of an account, oldest first.</summary>
    Task<IReadOnlyList<Tenant>> ListSubAccountsAsync(Guid accountId, CancellationToken cancellationToken);

    Task<IReadOnlyList<TenantKeyRecord>> GetTenantKeysAsync(Guid tenantId, CancellationToken cancellationToken);

    /// <summary>Adds a tenant key version (a new DEK on rotation).</summary>
    Task AddTenantKeyAsync(TenantKeyRecord key, CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="key"/>'s new wrapping if the stored one is still under <paramref name="expectedKekVersion"/> (compare-and-set).</summary>
    Task<bool> RewrapTenantKeyAsync(TenantKeyRecord key, int expectedKekVersion, CancellationToken cancellationToken);

    /// <summary>Deletes the tenant's keys of <paramref name="purpose"/> older than <paramref name="keepFromVersion"/>; returns how many.</summary>
    Task<int> DeleteTenantKeysBelowAsync(Guid tenantId, TenantKeyPurpose purpose, int keepFromVersion, CancellationToken cancellationToken);

    /// <summary>The KEK versions some stored tenant key is still wrapped under.</summary>
    Task<IReadOnlyList<int>> ListKekVersionsInUseAsync(CancellationToken cancellationToken);

    /// <summary>Deletes the tenant and everything it owns (keys, tokens, sessions, keys, jobs) in one statement; false if absent.</summary>
    Task<bool> DeleteTenantAsync(Guid tenantId, CancellationToken cancellationToken);
}
