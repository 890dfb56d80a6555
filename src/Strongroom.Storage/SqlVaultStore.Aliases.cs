using System.Data.Common;
using Strongroom.Core.Events;
using Strongroom.Core.Idempotency;
using Strongroom.Core.Tokens;

namespace Strongroom.Storage;

public abstract partial class SqlVaultStore
{
    public async Task<bool> InsertPciTokenWithAliasAsync(PciTokenRecord token, string tokenAlias, VaultEvent created, IdempotencyCompletion? completion, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        await InsertPciTokenAsync(connection, transaction, token, cancellationToken);

        // DO NOTHING rather than a unique violation: PostgreSQL would abort the whole transaction on the error, and a taken alias
        // is an expected outcome (the caller draws again), not a failure.
        int inserted = await ExecuteAsync(connection, transaction,
            "INSERT INTO pci_token_aliases (tenant_id, alias, token_id, created_at) VALUES (@t, @alias, @id, @created) ON CONFLICT (tenant_id, alias) DO NOTHING",
            cancellationToken, ("t", IdParameter(token.TenantId)), ("alias", tokenAlias), ("id", IdParameter(token.Id)), ("created", Ms(token.CreatedAt)));
        if (inserted != 1)
        {
            await transaction.RollbackAsync(cancellationToken);
            return false;
        }

        await InsertEventAsync(connection, transaction, created, cancellationToken);
        await CompleteIdempotencyKeyAsync(connection, transaction, completion, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<Guid?> FindPciTokenIdByAliasAsync(Guid tenantId, string tokenAlias, CancellationToken cancellationToken)
    {
        IReadOnlyList<Guid> rows = await QueryAsync("SELECT token_id FROM pci_token_aliases WHERE tenant_id = @t AND alias = @alias",
            r => r.GetGuid(0), cancellationToken, ("t", IdParameter(tenantId)), ("alias", tokenAlias));
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<string?> GetPciTokenAliasAsync(Guid tenantId, Guid tokenId, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> rows = await QueryAsync("SELECT alias FROM pci_token_aliases WHERE tenant_id = @t AND token_id = @id",
            r => r.GetString(0), cancellationToken, ("t", IdParameter(tenantId)), ("id", IdParameter(tokenId)));
        return rows.Count == 0 ? null : rows[0];
    }
}
