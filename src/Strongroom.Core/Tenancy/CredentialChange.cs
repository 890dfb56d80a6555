namespace Strongroom.Core.Tenancy;

/// <summary>What a <see cref="CredentialChange"/> is about.</summary>
public enum CredentialChangeKind
{
    /// <summary>A tenant was deleted (or its credentials re-sealed): every cached record of the tenant goes.</summary>
    Tenant,

    /// <summary>An API key (<c>srk_…</c>) was revoked.</summary>
    ApiKey,

    /// <summary>A signing key was deleted, disabled, restricted or given a new secret.</summary>
    SigningKey,
}

/// <summary>
/// A committed change to a credential that every node must drop from its <see cref="CredentialCache"/>. Travels between nodes
/// as a short text (<see cref="ToWire"/>): PostgreSQL NOTIFY payloads and Redis messages carry it, never a secret.
/// </summary>
public sealed record CredentialChange(CredentialChangeKind Kind, Guid TenantId, string? CredentialId = null)
{
    public static CredentialChange Tenant(Guid tenantId) => new(CredentialChangeKind.Tenant, tenantId);

    public static CredentialChange ApiKey(Guid tenantId, string keyId) => new(CredentialChangeKind.ApiKey, tenantId, keyId);

    public static CredentialChange SigningKey(Guid tenantId, Guid keyId) => new(CredentialChangeKind.SigningKey, tenantId, keyId.ToString("D"));

    /// <summary>Whether a cached record owned by (<paramref name="kind"/>, <paramref name="tenantId"/>, <paramref name="credentialId"/>) is affected.</summary>
    public bool Affects(CredentialChangeKind kind, Guid tenantId, string? credentialId) =>
        tenantId == TenantId && (Kind == CredentialChangeKind.Tenant || (kind == Kind && string.Equals(credentialId, CredentialId, StringComparison.Ordinal)));

    /// <summary><c>kind:tenant[:credential]</c>, e.g. <c>api_key:0193…:9f3c…</c>.</summary>
    public string ToWire() => CredentialId is null ? $"{KindName(Kind)}:{TenantId:D}" : $"{KindName(Kind)}:{TenantId:D}:{CredentialId}";

    /// <summary>The change a wire text names, or null for anything else (the receiver then forgets everything, to be safe).</summary>
    public static CredentialChange? FromWire(string? text)
    {
        string[] parts = (text ?? "").Split(':');
        if (parts.Length is < 2 or > 3 || !Guid.TryParseExact(parts[1], "D", out Guid tenantId))
        {
            return null;
        }

        CredentialChangeKind? kind = parts[0] switch
        {
            "tenant" => CredentialChangeKind.Tenant,
            "api_key" => CredentialChangeKind.ApiKey,
            "signing_key" => CredentialChangeKind.SigningKey,
            _ => null,
        };
        return kind switch
        {
            CredentialChangeKind.Tenant when parts.Length == 2 => Tenant(tenantId),
            CredentialChangeKind.ApiKey or CredentialChangeKind.SigningKey when parts.Length == 3 && parts[2].Length is > 0 and <= 200 => new(kind.Value, tenantId, parts[2]),
            _ => null,
        };
    }

    private static string KindName(CredentialChangeKind kind) => kind switch
    {
        CredentialChangeKind.Tenant => "tenant",
        CredentialChangeKind.ApiKey => "api_key",
        CredentialChangeKind.SigningKey => "signing_key",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
