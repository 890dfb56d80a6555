using Microsoft.Extensions.Logging;
using Strongroom.Core.Audit;
using Strongroom.Core.Cards;
using Strongroom.Core.Crypto;

namespace Strongroom.Core.Tenancy;

/// <summary>Creates tenants (with their keys) and looks them up.</summary>
public sealed partial class TenantService(ITenantStore store, CredentialCache cache, TenantKeyring keyring, AuditLog audit, TimeProvider time, ILogger<TenantService> logger)
{
    private readonly Func<Guid, CancellationToken, Task<Tenant?>> _loadTenant = store.GetTenantAsync;

    /// <summary>Creates an account on behalf of <paramref name="actor"/> (the admin or the operator) and records it in the audit log.</summary>
    public async Task<Tenant> CreateAsync(string name, Actor actor, CancellationToken cancellationToken)
    {
        Tenant tenant = await CreateAsync(name, cancellationToken);
        await audit.RecordAsync(actor, AuditActions.TenantCreated, tenant.Id, tenant.Id.ToString());
        return tenant;
    }

    /// <summary>Creates a sub-account of <paramref name="accountId"/> on behalf of <paramref name="actor"/> (the account's key) and records it in the audit log.</summary>
    public async Task<Tenant> CreateSubAccountAsync(Guid accountId, string name, Actor actor, CancellationToken cancellationToken)
    {
        Tenant tenant = await CreateAsync(name, cancellationToken, parentId: accountId);
        await audit.RecordAsync(actor, AuditActions.SubAccountCreated, tenant.Id, tenant.Id.ToString(), ("account_id", accountId.ToString()));
        return tenant;
    }

    /// <summary>Creates an account, or a sub-account of <paramref name="parentId"/> (which must be an account).</summary>
    public async Task<Tenant> CreateAsync(string name, CancellationToken cancellationToken, Guid? parentId = null)
    {
        FreeText.Require("name", name);
        if (Tenant.ValidateName(name) is { } error)
        {
            throw new ArgumentException(error, nameof(name));
        }

        if (parentId is Guid parent && await store.GetTenantAsync(parent, cancellationToken) is not { ParentId: null })
        {
            // One level only: a sub-account cannot have sub-accounts of its own.
            throw new TenantNotFoundException(parent);
        }

        var tenant = new Tenant(Guid.CreateVersion7(), name.Trim(), time.GetUtcNowMilliseconds(), parentId);
        IReadOnlyList<TenantKeyRecord> keys = await keyring.CreateInitialKeysAsync(tenant.Id, cancellationToken);
        await store.CreateTenantAsync(tenant, keys, cancellationToken);
        LogCreated(logger, tenant.Id, keys[0].Provider, keys[0].KekVersion);
        return tenant;
    }

    /// <summary>
    /// The tenant, through the node's <see cref="CredentialCache"/>: requests resolve their tenant per call. A tenant record
    /// never changes; deleting it (<see cref="Keys.KeyRotationService.ShredTenantAsync"/>) drops it from every node's cache.
    /// </summary>
    public async Task<Tenant?> GetAsync(Guid tenantId, CancellationToken cancellationToken) => await cache.GetTenantAsync(tenantId, _loadTenant, cancellationToken);

    public Task<IReadOnlyList<Tenant>> ListAsync(CancellationToken cancellationToken) => store.ListTenantsAsync(cancellationToken);

    public Task<IReadOnlyList<Tenant>> ListSubAccountsAsync(Guid accountId, CancellationToken cancellationToken) => store.ListSubAccountsAsync(accountId, cancellationToken);

    /// <summary>The sub-account if it belongs to <paramref name="accountId"/>; null otherwise (isolation: not found, not forbidden).</summary>
    public async Task<Tenant?> GetSubAccountAsync(Guid accountId, Guid subAccountId, CancellationToken cancellationToken) =>
        await store.GetTenantAsync(subAccountId, cancellationToken) is { } tenant && tenant.ParentId == accountId ? tenant : null;

    [LoggerMessage(Level = LogLevel.Information, Message = "Created tenant {TenantId}; keys wrapped by {Provider} KEK v{KekVersion}")]
    private static partial void LogCreated(ILogger logger, Guid tenantId, string provider, int kekVersion);
}
