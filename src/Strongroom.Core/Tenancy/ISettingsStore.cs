namespace Strongroom.Core.Tenancy;

/// <summary>Settings: the instance's (e.g. the admin token hash) and each tenant's (e.g. the hosted form's allowed origins).</summary>
public interface ISettingsStore
{
    Task<string?> GetSettingAsync(string name, CancellationToken cancellationToken);

    /// <summary>Sets <paramref name="name"/> to <paramref name="value"/> unless it already holds a value for an order greater than <paramref name="order"/> (values start with <c>order:</c>).</summary>
    Task SetSettingIfNewerAsync(string name, string value, long order, CancellationToken cancellationToken);

    /// <summary>Stores a setting only if it is absent; returns false if another writer got there first.</summary>
    Task<bool> TryAddSettingAsync(string name, string value, CancellationToken cancellationToken);

    Task<string?> GetTenantSettingAsync(Guid tenantId, string name, CancellationToken cancellationToken);

    /// <summary>Sets (upsert) or, with a null value, removes a tenant setting.</summary>
    Task SetTenantSettingAsync(Guid tenantId, string name, string? value, CancellationToken cancellationToken);
}
