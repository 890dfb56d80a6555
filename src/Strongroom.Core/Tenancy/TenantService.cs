using Microsoft.Extensions.Logging;
using Strongroom.Core.Crypto;
using Strongroom.Core.Storage;

namespace Strongroom.Core.Tenancy;

/// <summary>Creates tenants (with their keys) and looks them up.</summary>
public sealed partial class TenantService(IVaultStore store, TenantKeyring keyring, TimeProvider time, ILogger<TenantService> logger)
{
    public async Task<Tenant> CreateAsync(string name, CancellationToken cancellationToken)
    {
        if (Tenant.ValidateName(name) is { } error)
        {
            throw new ArgumentException(error, nameof(name));
        }

        var tenant = new Tenant(Guid.CreateVersion7(), name.Trim(), TruncateToMilliseconds(time.GetUtcNow()));
        IReadOnlyList<TenantKeyRecord> keys = await keyring.CreateInitialKeysAsync(tenant.Id, cancellationToken);
        await store.CreateTenantAsync(tenant, keys, cancellationToken);
        LogCreated(logger, tenant.Id, keys[0].Provider, keys[0].KekVersion);
        return tenant;
    }

    public Task<Tenant?> GetAsync(Guid tenantId, CancellationToken cancellationToken) => store.GetTenantAsync(tenantId, cancellationToken);

    public Task<IReadOnlyList<Tenant>> ListAsync(CancellationToken cancellationToken) => store.ListTenantsAsync(cancellationToken);

    internal static DateTimeOffset TruncateToMilliseconds(DateTimeOffset value) =>
        DateTimeOffset.FromUnixTimeMilliseconds(value.ToUnixTimeMilliseconds());

    [LoggerMessage(Level = LogLevel.Information, Message = "Created tenant {TenantId}; keys wrapped by {Provider} KEK v{KekVersion}")]
    private static partial void LogCreated(ILogger logger, Guid tenantId, string provider, int kekVersion);
}
