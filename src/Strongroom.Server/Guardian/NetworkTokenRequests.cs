namespace Strongroom.Server.Guardian;

// Request bodies of /api/network/tokens and the token service simulator, for the OpenAPI document only: the endpoints read
// the raw bytes through GuardianRequestReader, whose checks (strict UTF-8, JSON paths, no card numbers in free text) stay as they are.

/// <summary>Body of <c>POST /api/network/tokens</c> (seed 002).</summary>
internal sealed record NetworkTokenCreateRequest(NetworkTokenSource Source, IReadOnlyDictionary<string, string>? Metadata = null);

/// <summary><c>type</c> = <c>pan</c> (the card fields), <c>pci_token</c> (<c>pci_token_id</c>) or <c>session</c>.</summary>
internal sealed record NetworkTokenSource(
    string Type,
    Guid? PciTokenId = null,
    string? AccountNumber = null,
    int? ExpiryMonth = null,
    int? ExpiryYear = null,
    string? SecurityCode = null,
    string? CardholderName = null);

/// <summary>Optional body of suspend and resume.</summary>
internal sealed record NetworkTokenChangeRequest(string? Reason = null);

/// <summary>Optional body of <c>POST /api/network/tokens/{id}/cryptograms</c>: <c>mode</c> = <c>value</c> (default) or <c>reference</c>.</summary>
internal sealed record CryptogramRequest(long? Amount = null, string? Currency = null, string? Mode = null);

/// <summary>Body of the simulator's event: <c>event</c> = activate | suspend | resume | delete, <c>party</c> = issuer | cardholder.</summary>
internal sealed record SimulatedTokenEventRequest(string Event, string? Party = null, string? Reason = null);

/// <summary>Body of the simulator's authorization check.</summary>
internal sealed record SimulatedAuthorizationRequest(string Cryptogram, long? Amount = null, string? Currency = null);
