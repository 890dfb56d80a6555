using Strongroom.Server.Hosting.OpenApi;

namespace Strongroom.Server.Tap;

// Request body of POST /v2/tokens (seed 001, snake_case), for the OpenAPI document only: the endpoint reads the raw bytes
// and keeps its checks (strict UTF-8, digits never echoed in errors, free-text fields free of card numbers).

/// <summary>Body of <c>POST /v2/tokens</c>.</summary>
internal sealed record TapTokenCreateRequest(TapCardRequest Card, string? ClientIp = null);

/// <summary>The card to tokenize; <c>number</c> and <c>cvc</c> may be strings or integers, <c>address</c> holds string fields only.</summary>
internal sealed record TapCardRequest(
    [property: AlsoInteger] string Number,
    int ExpMonth,
    int ExpYear,
    [property: AlsoInteger] string? Cvc = null,
    string? Name = null,
    IReadOnlyDictionary<string, string>? Address = null);
