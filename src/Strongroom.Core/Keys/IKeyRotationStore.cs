namespace Strongroom.Core.Keys;

/// <summary>What a data-key rotation reads and rewrites: the sealed columns, batch by batch, and the rotation jobs.</summary>
public interface IKeyRotationStore
{
    /// <summary>A batch of the tenant's non-empty sealed values in <paramref name="column"/>, by record id after <paramref name="after"/>.</summary>
    Task<IReadOnlyList<SealedValue>> ListSealedAsync(SealedColumn column, Guid tenantId, Guid? after, int limit, CancellationToken cancellationToken);

    /// <summary>How many non-empty sealed values the tenant has in <paramref name="column"/> (for progress).</summary>
    Task<long> CountSealedAsync(SealedColumn column, Guid tenantId, CancellationToken cancellationToken);

    /// <summary>Replaces a sealed value if it still is <paramref name="expected"/> (a concurrent write or delete wins).</summary>
    Task<bool> ReplaceSealedAsync(SealedColumn column, Guid tenantId, Guid recordId, byte[] expected, byte[] replacement, CancellationToken cancellationToken);

    Task InsertRotationJobAsync(RotationJob job, CancellationToken cancellationToken);

    Task UpdateRotationJobAsync(RotationJob job, CancellationToken cancellationToken);

    /// <summary>Rotation jobs, newest first; all tenants' when <paramref name="tenantId"/> is null.</summary>
    Task<IReadOnlyList<RotationJob>> ListRotationJobsAsync(Guid? tenantId, CancellationToken cancellationToken);
}
