namespace Strongroom.Core.Idempotency;

/// <summary>
/// One idempotency key of one tenant. Reserved (no <see cref="Status"/>) while the first request runs,
/// then completed with the response, sealed under the tenant DEK because it can hold cardholder data.
/// <see cref="RequestDigest"/> is a keyed digest of the request, so replaying the key with another body is detectable
/// without storing a guessable hash of card data.
/// </summary>
public sealed record IdempotencyRecord(
    Guid Id,
    Guid TenantId,
    string Key,
    byte[] RequestDigest,
    int? Status,
    byte[]? Response,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt);
