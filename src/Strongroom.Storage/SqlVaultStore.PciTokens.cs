using System.Data.Common;
using Strongroom.Core.Events;
using Strongroom.Core.Idempotency;
using Strongroom.Core.Tokens;

namespace Strongroom.Storage;

public abstract partial class SqlVaultStore
{
    public virtual Task InsertPciTokenAsync(PciTokenRecord token, VaultEvent created, IdempotencyCompletion? completion, CancellationToken cancellationToken) =>
        InsertPciTokensAsync([new PciTokenInsert(token, created, completion)], cancellationToken);

    public async Task InsertPciTokensAsync(IReadOnlyList<PciTokenInsert> tokens, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (PciTokenInsert insert in tokens)
        {
            await InsertPciTokenAsync(connection, transaction, insert.Token, cancellationToken);
            await InsertEventAsync(connection, transaction, insert.Created, cancellationToken);
            await CompleteIdempotencyKeyAsync(connection, transaction, insert.Completion, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private Task<int> InsertPciTokenAsync(DbConnection connection, DbTransaction? transaction, PciTokenRecord token, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction,
            WriteStatements.InsertPciToken,
            cancellationToken,
            ("id", IdParameter(token.Id)), ("t", IdParameter(token.TenantId)), ("scheme", (int)token.Scheme), ("first6", token.First6), ("last4", token.LastFour),
            ("len", token.PanLength), ("month", token.ExpiryMonth), ("year", token.ExpiryYear), ("fp", token.Fingerprint), ("ct", token.Ciphertext),
            ("meta", token.MetadataJson), ("created", Ms(token.CreatedAt)), ("expires", Ms(token.ExpiresAt)));

    public async Task<PciTokenRecord?> GetPciTokenAsync(Guid tenantId, Guid tokenId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        IReadOnlyList<PciTokenRecord> rows = await QueryHotAsync(
            $"SELECT {TokenColumns} FROM pci_tokens WHERE tenant_id = @t AND id = @id AND (expires_at IS NULL OR expires_at > @now)",
            ReadToken, cancellationToken, ("t", IdParameter(tenantId)), ("id", IdParameter(tokenId)), ("now", Ms(now)));
        return rows.Count == 0 ? null : rows[0];
    }

    public Task<IReadOnlyList<PciTokenRecord>> ListPciTokensAsync(Guid tenantId, Guid? after, int limit, DateTimeOffset now, CancellationToken cancellationToken) =>
        after is Guid cursor
            ? QueryAsync(
                $"SELECT {TokenColumns} FROM pci_tokens WHERE tenant_id = @t AND id > @after AND (expires_at IS NULL OR expires_at > @now) ORDER BY id LIMIT @limit",
                ReadToken, cancellationToken, ("t", IdParameter(tenantId)), ("after", IdParameter(cursor)), ("now", Ms(now)), ("limit", limit))
            : QueryAsync(
                $"SELECT {TokenColumns} FROM pci_tokens WHERE tenant_id = @t AND (expires_at IS NULL OR expires_at > @now) ORDER BY id LIMIT @limit",
                ReadToken, cancellationToken, ("t", IdParameter(tenantId)), ("now", Ms(now)), ("limit", limit));

    public Task<bool> DeletePciTokenAsync(Guid tenantId, Guid tokenId, VaultEvent deleted, CancellationToken cancellationToken) =>
        ChangeWithEventsAsync(async (connection, transaction) => await ExecuteAsync(connection, transaction,
            "DELETE FROM pci_tokens WHERE tenant_id = @t AND id = @id", cancellationToken,
            ("t", IdParameter(tenantId)), ("id", IdParameter(tokenId))) == 1, [deleted], cancellationToken);

    public async Task<IReadOnlyList<(Guid TenantId, Guid TokenId)>> PurgeExpiredPciTokensAsync(DateTimeOffset now, int batchSize, Func<Guid, Guid, VaultEvent> expired, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        IReadOnlyList<(Guid TenantId, Guid TokenId)> purged = await QueryAsync(connection, transaction,
            "DELETE FROM pci_tokens WHERE id IN (SELECT id FROM pci_tokens WHERE expires_at IS NOT NULL AND expires_at <= @now LIMIT @n) RETURNING tenant_id, id",
            r => (r.GetGuid(0), r.GetGuid(1)), cancellationToken, ("now", Ms(now)), ("n", batchSize));
        foreach ((Guid tenantId, Guid tokenId) in purged)
        {
            await InsertEventAsync(connection, transaction, expired(tenantId, tokenId), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return purged;
    }
}
