namespace Strongroom.Core.SecurityCodes;

/// <summary>
/// Ephemeral home of card security codes. PCI DSS forbids storing a CVC after authorization, so
/// implementations keep it in memory only (never on disk), with a TTL, and forget it on demand.
/// </summary>
public interface ISecurityCodeStore
{
    void Put(Guid tenantId, Guid tokenId, string securityCode, TimeSpan ttl);

    bool Contains(Guid tenantId, Guid tokenId);

    /// <summary>Returns the code, or null if absent or expired. Only data-out paths (forwarding) call this.</summary>
    string? Read(Guid tenantId, Guid tokenId);

    bool Remove(Guid tenantId, Guid tokenId);

    /// <summary>Drops every code of a tenant (the tenant was deleted); returns how many.</summary>
    int RemoveTenant(Guid tenantId);

    /// <summary>Drops expired entries; returns how many.</summary>
    int RemoveExpired();
}
