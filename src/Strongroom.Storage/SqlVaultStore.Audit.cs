using System.Data.Common;
using Strongroom.Core.Audit;

namespace Strongroom.Storage;

public abstract partial class SqlVaultStore
{
    private const string AuditColumns = "seq, id, at, actor, action, tenant_id, target, details, prev_hash, hash, seal";

    public async Task<AuditEntry?> GetLastAuditEntryAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<AuditEntry> rows = await QueryAsync($"SELECT {AuditColumns} FROM audit_log ORDER BY seq DESC LIMIT 1", ReadAudit, cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<bool> TryAppendAuditEntryAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null,
            $"INSERT INTO audit_log ({AuditColumns}) VALUES (@seq, @id, @at, @actor, @action, @t, @target, @details, @prev, @hash, @seal) ON CONFLICT DO NOTHING",
            cancellationToken,
            ("seq", entry.Seq), ("id", IdParameter(entry.Id)), ("at", Ms(entry.At)), ("actor", entry.Actor), ("action", entry.Action),
            ("t", entry.TenantId is Guid t ? IdParameter(t) : null), ("target", entry.Target), ("details", entry.DetailsJson),
            ("prev", entry.PreviousHash), ("hash", entry.Hash), ("seal", entry.Seal)) == 1;
    }

    public Task<IReadOnlyList<AuditEntry>> ListAuditEntriesAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        var where = new List<string> { "seq > @after" };
        if (query.TenantId is not null)
        {
            where.Add("tenant_id = @t");
        }

        if (query.Action is not null)
        {
            where.Add("action = @action");
        }

        if (query.Actor is not null)
        {
            where.Add("actor = @actor");
        }

        if (query.From is not null)
        {
            where.Add("at >= @from");
        }

        if (query.To is not null)
        {
            where.Add("at < @to");
        }

        return QueryAsync(
            $"SELECT {AuditColumns} FROM audit_log WHERE {string.Join(" AND ", where)} ORDER BY seq LIMIT @n",
            ReadAudit, cancellationToken,
            ("after", query.AfterSeq ?? 0), ("t", query.TenantId is Guid t ? IdParameter(t) : null), ("action", query.Action), ("actor", query.Actor),
            ("from", Ms(query.From)), ("to", Ms(query.To)), ("n", query.Limit));
    }

    private static AuditEntry ReadAudit(DbDataReader r) => new(
        r.GetInt64(0), r.GetGuid(1), FromMs(r.GetInt64(2)), r.GetString(3), r.GetString(4), r.IsDBNull(5) ? null : r.GetGuid(5),
        r.IsDBNull(6) ? null : r.GetString(6), r.GetString(7), (byte[])r.GetValue(8), (byte[])r.GetValue(9), r.IsDBNull(10) ? null : (byte[])r.GetValue(10));
}
