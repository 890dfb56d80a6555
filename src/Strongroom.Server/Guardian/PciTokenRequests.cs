namespace Strongroom.Server.Guardian;

// Request bodies of /api/pci/tokens as the document shows them (snake_case on the wire). The endpoints still read the raw
// bytes through GuardianRequestReader (strict UTF-8, depth limit, JSON paths in 422s, no card numbers in free text):
// these records only describe the body for the OpenAPI document and generated clients.

/// <summary>Body of <c>POST /api/pci/tokens</c> (seed 003: <c>pci_token_create_request</c>).</summary>
internal sealed record PciTokenCreateRequest(
    PciTokenSource Source,
    int? ExpiresIn = null,
    IReadOnlyDictionary<string, string>? Metadata = null,
    PciTokenAliasOption? Alias = null);

/// <summary><c>{"format": "fpe"}</c>: the token also gets a format-preserving alias (source type <c>pan</c> only).</summary>
internal sealed record PciTokenAliasOption(string Format);

/// <summary>
/// Where the token's card comes from: <c>type</c> = <c>pan</c> (the card fields), <c>session</c> (a card-entry session is opened)
/// or <c>single_use_token</c> (<c>token_id</c>, a Tap <c>tok_…</c>).
/// </summary>
internal sealed record PciTokenSource(
    string Type,
    string? AccountNumber = null,
    int? ExpiryMonth = null,
    int? ExpiryYear = null,
    string? SecurityCode = null,
    string? CardholderName = null,
    string? TokenId = null);
