using Microsoft.OpenApi;

namespace Strongroom.Server.Hosting.OpenApi;

/// <summary>The document's tags with what each groups, and which dialect's conventions (casing, error shape, credential) apply.</summary>
internal static class DocumentTags
{
    public static HashSet<OpenApiTag> All() =>
    [
        Tag("pci", "Guardian PCI tokens (snake_case; errors {code, classifier, message, validation_errors}; x-api-key or x-admin-token)."),
        Tag("network", "Guardian network tokens and cryptograms (snake_case, Guardian errors)."),
        Tag("simulator", "The token service simulator: issuer and network actions on network tokens (x-admin-token + x-tenant-id)."),
        Tag("sessions", "Guardian card-entry sessions as the merchant's server reads them."),
        Tag("hosted form", "The hosted card form and its completion; the session id is the only credential."),
        Tag("metadata", "Card metadata (BIN, scheme, funding, issuer) by PAN, PCI token or network token."),
        Tag("webhooks", "Webhook endpoints, events and deliveries (snake_case, Guardian errors)."),
        Tag("admin", "Instance administration: tenants, API keys, signing keys, audit, keys, forwarding allowlists, card rules (x-admin-token)."),
        Tag("tap", "Tap-style single-use card tokens (snake_case; errors {errors: [{code, description}]}; Authorization: Bearer <API key>)."),
        Tag("whitebit", "WhiteBIT private API v4 (camelCase; errors {code, message, errors}; signed X-TXC-* headers) and the fiat gateway (JWT)."),
    ];

    private static OpenApiTag Tag(string name, string description) => new() { Name = name, Description = description };
}
