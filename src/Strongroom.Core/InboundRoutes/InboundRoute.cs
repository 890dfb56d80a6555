namespace Strongroom.Core.InboundRoutes;

/// <summary>
/// An inbound route of a tenant: requests to <c>/inbound/{Prefix}/…</c> that match its rules have their card fields tokenized
/// and go on to <see cref="Upstream"/> (the merchant's own API, on the tenant's forwarding allowlist).
/// </summary>
public sealed record InboundRoute(Guid Id, Guid TenantId, string Prefix, Uri Upstream, InboundRouteRules Rules, DateTimeOffset CreatedAt)
{
    /// <summary>The vault path the route answers under.</summary>
    public string ProxyPath => "/inbound/" + Prefix;
}

/// <summary>How a route matches, what it tokenizes, and its limits. Stored as one JSON document (no card data in it).</summary>
public sealed record InboundRouteRules(
    string Method,
    string PathPattern,
    InboundContentType ContentType,
    InboundCardFields Fields,
    InboundReplacement Replacement,
    InboundUnmatched Unmatched,
    InboundErrorShape ErrorShape,
    int MaxBodyBytes,
    int RateLimitPerMinute,
    int TimeoutSeconds);

/// <summary>Where the card sits in a request: JSON paths (<c>$.card.number</c>) or form field names, one per card field.</summary>
public sealed record InboundCardFields(string AccountNumber, string? ExpiryMonth, string? ExpiryYear, string? SecurityCode, string? CardholderName);

public enum InboundContentType
{
    /// <summary><c>application/json</c> (and <c>+json</c> types).</summary>
    Json,

    /// <summary><c>application/x-www-form-urlencoded</c>.</summary>
    Form,
}

/// <summary>What replaces the card number on its way to the upstream.</summary>
public enum InboundReplacement
{
    TokenId,
    FpeAlias,
}

/// <summary>What happens to a request under the route's prefix that does not match its method, path or content type.</summary>
public enum InboundUnmatched
{
    /// <summary>Sent on unchanged (still scanned: one that carries a card number anywhere is refused).</summary>
    PassThrough,
    Refuse,
}

/// <summary>The body shape of the route's own errors (bad card, refused request, upstream failure).</summary>
public enum InboundErrorShape
{
    /// <summary>Guardian's <c>{status, classifier, message, errors}</c>.</summary>
    Guardian,

    /// <summary>RFC 9457 <c>application/problem+json</c>, with <c>errors</c> as an extension member.</summary>
    Problem,
}
