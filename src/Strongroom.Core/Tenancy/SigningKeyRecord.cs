namespace Strongroom.Core.Tenancy;

/// <summary>
/// An API key of an HMAC-signing dialect (WhiteBIT v4: <c>X-TXC-APIKEY</c> + <c>X-TXC-SIGNATURE</c>).
/// Unlike a bearer key, the server needs the secret itself to verify signatures, so
/// <see cref="SealedSecret"/> holds it encrypted under the owning tenant's DEK (record id = <see cref="Id"/>).
/// </summary>
public sealed record SigningKeyRecord(
    Guid Id,
    Guid TenantId,
    string PublicKey,
    byte[] SealedSecret,
    int Type,
    string? Title,
    bool IsEnabled,
    bool RestrictAccess,
    IReadOnlyList<AccessEndpoint> AccessEndpoints,
    long LastNonce,
    DateTimeOffset? LastActivity,
    DateTimeOffset CreatedAt)
{
    public override string ToString() => $"SigningKeyRecord {{ Id = {Id}, TenantId = {TenantId} }}";
}

/// <summary>An endpoint a restricted key may call, as WhiteBIT names it (<c>name</c> is the path).</summary>
public sealed record AccessEndpoint(string Name, string Title);

/// <summary>The stored JSON form of a key's access endpoints.</summary>
public static class AccessEndpointJson
{
    public static string Serialize(IReadOnlyList<AccessEndpoint> endpoints) =>
        System.Text.Json.JsonSerializer.Serialize(endpoints.ToList(), CoreJson.Default.ListAccessEndpoint);

    public static IReadOnlyList<AccessEndpoint> Deserialize(string json) =>
        System.Text.Json.JsonSerializer.Deserialize(json, CoreJson.Default.ListAccessEndpoint) ?? [];
}
