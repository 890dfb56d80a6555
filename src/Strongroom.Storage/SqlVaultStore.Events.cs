using System.Data.Common;
using Strongroom.Core.Events;
using Strongroom.Core.Idempotency;

namespace Strongroom.Storage;

public abstract partial class SqlVaultStore
{
    public async Task<IReadOnlyList<VaultEvent>> ListEventsAsync(Guid tenantId, string subjectId, CancellationToken cancellationToken) =>
        await QueryAsync($"SELECT {EventColumns} FROM events WHERE tenant_id = @t AND subject_id = @s ORDER BY seq",
            ReadEvent, cancellationToken, ("t", IdParameter(tenantId)), ("s", subjectId));

    private Task<int> InsertEventAsync(DbConnection connection, DbTransaction transaction, VaultEvent e, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction,
            WriteStatements.InsertEvent,
            cancellationToken,
            ("id", IdParameter(e.Id)), ("t", IdParameter(e.TenantId)), ("type", e.Type), ("s", e.SubjectId), ("data", e.DataJson), ("created", Ms(e.CreatedAt)));

    private static VaultEvent ReadEvent(DbDataReader r) => ReadEvent(r, 0);

    /// <summary>
    /// Runs <paramref name="change"/> and, when it reports success, records <paramref name="events"/> in the same
    /// transaction (the outbox rule: a change and its events commit together or not at all).
    /// </summary>
    private async Task<bool> ChangeWithEventsAsync(Func<DbConnection, DbTransaction, Task<bool>> change, IReadOnlyList<VaultEvent> events, CancellationToken cancellationToken, IdempotencyCompletion? completion = null)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await change(connection, transaction))
        {
            await transaction.RollbackAsync(cancellationToken);
            return false;
        }

        foreach (VaultEvent vaultEvent in events)
        {
            await InsertEventAsync(connection, transaction, vaultEvent, cancellationToken);
        }

        await CompleteIdempotencyKeyAsync(connection, transaction, completion, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }
}
