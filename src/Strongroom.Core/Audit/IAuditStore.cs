namespace Strongroom.Core.Audit;

/// <summary>The hash-chained audit log.</summary>
public interface IAuditStore
{
    Task<AuditEntry?> GetLastAuditEntryAsync(CancellationToken cancellationToken);

    /// <summary>Appends <paramref name="entry"/>; false when its <see cref="AuditEntry.Seq"/> is taken (another writer won: re-read and retry).</summary>
    Task<bool> TryAppendAuditEntryAsync(AuditEntry entry, CancellationToken cancellationToken);

    /// <summary>Entries matching <paramref name="query"/>, oldest first, after <see cref="AuditQuery.AfterSeq"/>.</summary>
    Task<IReadOnlyList<AuditEntry>> ListAuditEntriesAsync(AuditQuery query, CancellationToken cancellationToken);
}
