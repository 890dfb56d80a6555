namespace Strongroom.Server.Admin;

// Request bodies of the admin routes (snake_case on the wire), for the OpenAPI document only: the endpoints read the raw bytes
// and keep their own checks (strict UTF-8, no card numbers in names or titles).

/// <summary>Body of <c>POST /api/admin/tenants</c>.</summary>
internal sealed record TenantCreateRequest(string Name);

/// <summary>Body of <c>POST /api/admin/api-keys</c>: scopes among tokens:create, tokens:read, tokens:delete, data:out.</summary>
internal sealed record ApiKeyCreateRequest(Guid TenantId, string? Name = null, IReadOnlyList<string>? Scopes = null, int? ExpiresIn = null);

/// <summary>Body of <c>POST /api/admin/signing-keys</c> (type 1 or 2).</summary>
internal sealed record SigningKeyCreateRequest(Guid TenantId, int Type, string? Title = null);

/// <summary>Body of <c>PUT /api/admin/tenants/{tenantId}/hosted-form</c>.</summary>
internal sealed record HostedFormSettingsRequest(IReadOnlyList<string> AllowedOrigins);

/// <summary>Body of <c>PUT /api/admin/tenants/{tenantId}/forward-destinations</c>.</summary>
internal sealed record ForwardDestinationsRequest(IReadOnlyList<ForwardDestinationRequest> Destinations);

/// <summary>One allowed forwarding destination, with its optional CA and client certificate (PEM).</summary>
internal sealed record ForwardDestinationRequest(
    string Url,
    bool? AllowPrivateNetwork = null,
    string? CaCertificatePem = null,
    string? ClientCertificatePem = null,
    string? ClientKeyPem = null);

/// <summary>Body of <c>PUT /api/admin/tenants/{tenantId}/card-rules</c>.</summary>
internal sealed record CardRulesRequest(bool? SchemeSecurityCodeLengths = null);
