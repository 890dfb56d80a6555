namespace Strongroom.Core.Tenancy;

public enum PrincipalKind
{
    /// <summary>The instance administrator (<c>x-admin-token</c>).</summary>
    Admin,

    /// <summary>A tenant's API key.</summary>
    ApiKey,
}

/// <summary>
/// Who is calling, resolved once by a dialect's authentication and then used by every core service.
/// <see cref="TenantId"/> is the tenant the call acts on; for the admin it is chosen per request.
/// </summary>
public sealed record Principal(PrincipalKind Kind, Guid? TenantId, string? KeyId, VaultRights Rights)
{
    public bool Has(VaultRights rights) => (Rights & rights) == rights;

    public static Principal Admin(Guid? tenantId) => new(PrincipalKind.Admin, tenantId, null, VaultRights.All);
}
