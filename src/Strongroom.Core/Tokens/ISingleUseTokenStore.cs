using Strongroom.Core.Events;
using Strongroom.Core.Idempotency;

namespace Strongroom.Core.Tokens;

/// <summary>Single-use card tokens (Tap <c>tok_…</c>).</summary>
public interface ISingleUseTokenStore
{
    Task InsertSingleUseTokenAsync(SingleUseTokenRecord token, CancellationToken cancellationToken);

    /// <summary>The token by its public id (<c>tok_…</c>) within the tenant, used or not, until purged.</summary>
    Task<SingleUseTokenRecord?> GetSingleUseTokenAsync(Guid tenantId, string publicId, CancellationToken cancellationToken);

    /// <summary>
    /// Uses the token up (compare-and-set: unused and unexpired), erasing its sealed card and address, and inserts
    /// <paramref name="newToken"/> (when given), <paramref name="events"/> and the completed idempotency key (when given) in the same transaction.
    /// False (nothing written) when already used or expired.
    /// </summary>
    Task<bool> TryUseSingleUseTokenAsync(Guid tenantId, string publicId, DateTimeOffset now, PciTokenRecord? newToken, IReadOnlyList<VaultEvent> events, IdempotencyCompletion? completion, CancellationToken cancellationToken);

    /// <summary>Erases up to <paramref name="batchSize"/> single-use tokens past expiry; returns their record ids (for their security codes).</summary>
    Task<IReadOnlyList<(Guid TenantId, Guid Id)>> PurgeExpiredSingleUseTokensAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken);
}
