using System.Data.Common;
using Strongroom.Core.Crypto;
using Strongroom.Core.Keys;
using Strongroom.Core.Tenancy;

namespace Strongroom.Storage;

public abstract partial class SqlVaultStore
{
    public async Task CreateTenantAsync(Tenant tenant, IReadOnlyList<TenantKeyRecord> keys, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, "INSERT INTO tenants (id, name, created_at, parent_id) VALUES (@id, @name, @created, @parent)", cancellationToken,
            ("id", IdParameter(tenant.Id)), ("name", tenant.Name), ("created", Ms(tenant.CreatedAt)),
            ("parent", tenant.ParentId is Guid parent ? IdParameter(parent) : null));
        foreach (TenantKeyRecord key in keys)
        {
            await ExecuteAsync(connection, transaction,
                "INSERT INTO tenant_keys (tenant_id, purpose, version, provider, kek_version, wrapped, created_at) VALUES (@t, @p, @v, @provider, @kek, @wrapped, @created)",
                cancellationToken,
                ("t", IdParameter(key.TenantId)), ("p", (int)key.Purpose), ("v", key.Version), ("provider", key.Provider),
                ("kek", key.KekVersion), ("wrapped", key.Wrapped), ("created", Ms(key.CreatedAt)));
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<Tenant?> GetTenantAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        IReadOnlyList<Tenant> rows = await QueryAsync("SELECT id, name, created_at, parent_id FROM tenants WHERE id = @id", ReadTenant, cancellationToken, ("id", IdParameter(tenantId)));
        return rows.Count == 0 ? null : rows[0];
    }

    public Task<IReadOnlyList<Tenant>> ListTenantsAsync(CancellationToken cancellationToken) =>
        QueryAsync("SELECT id, name, created_at, parent_id FROM tenants ORDER BY id", ReadTenant, cancellationToken);

    public Task<IReadOnlyList<Tenant>> ListSubAccountsAsync(Guid accountId, CancellationToken cancellationToken) =>
        QueryAsync("SELECT id, name, created_at, parent_id FROM tenants WHERE parent_id = @p ORDER BY id", ReadTenant, cancellationToken, ("p", IdParameter(accountId)));

    public Task<IReadOnlyList<TenantKeyRecord>> GetTenantKeysAsync(Guid tenantId, CancellationToken cancellationToken) =>
        QueryAsync(
            "SELECT tenant_id, purpose, version, provider, kek_version, wrapped, created_at FROM tenant_keys WHERE tenant_id = @t ORDER BY purpose, version",
            r => new TenantKeyRecord(r.GetGuid(0), (TenantKeyPurpose)r.GetInt32(1), r.GetInt32(2), r.GetString(3), r.GetInt32(4), (byte[])r.GetValue(5), FromMs(r.GetInt64(6))),
            cancellationToken,
            ("t", IdParameter(tenantId)));

    public async Task AddTenantKeyAsync(TenantKeyRecord key, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null,
            "INSERT INTO tenant_keys (tenant_id, purpose, version, provider, kek_version, wrapped, created_at) VALUES (@t, @p, @v, @provider, @kek, @wrapped, @created)",
            cancellationToken,
            ("t", IdParameter(key.TenantId)), ("p", (int)key.Purpose), ("v", key.Version), ("provider", key.Provider),
            ("kek", key.KekVersion), ("wrapped", key.Wrapped), ("created", Ms(key.CreatedAt)));
    }

    public async Task<bool> RewrapTenantKeyAsync(TenantKeyRecord key, int expectedKekVersion, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null,
            "UPDATE tenant_keys SET provider = @provider, kek_version = @kek, wrapped = @wrapped WHERE tenant_id = @t AND purpose = @p AND version = @v AND kek_version = @expected",
            cancellationToken,
            ("t", IdParameter(key.TenantId)), ("p", (int)key.Purpose), ("v", key.Version), ("provider", key.Provider),
            ("kek", key.KekVersion), ("wrapped", key.Wrapped), ("expected", expectedKekVersion)) == 1;
    }

    public async Task<int> DeleteTenantKeysBelowAsync(Guid tenantId, TenantKeyPurpose purpose, int keepFromVersion, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null, "DELETE FROM tenant_keys WHERE tenant_id = @t AND purpose = @p AND version < @v", cancellationToken,
            ("t", IdParameter(tenantId)), ("p", (int)purpose), ("v", keepFromVersion));
    }

    public Task<IReadOnlyList<int>> ListKekVersionsInUseAsync(CancellationToken cancellationToken) =>
        QueryAsync("SELECT DISTINCT kek_version FROM tenant_keys ORDER BY kek_version", r => r.GetInt32(0), cancellationToken);

    public Task<IReadOnlyList<SealedValue>> ListSealedAsync(SealedColumn column, Guid tenantId, Guid? after, int limit, CancellationToken cancellationToken)
    {
        (string table, string id, string sealedColumn) = SealedColumns.Location(column);
        string afterClause = after is null ? "" : $" AND {id} > @after";
        return QueryAsync(
            $"SELECT {id}, {sealedColumn} FROM {table} WHERE tenant_id = @t AND {sealedColumn} IS NOT NULL AND length({sealedColumn}) > 0{afterClause} ORDER BY {id} LIMIT @n",
            r => new SealedValue(r.GetGuid(0), (byte[])r.GetValue(1)),
            cancellationToken, ("t", IdParameter(tenantId)), ("after", after is Guid a ? IdParameter(a) : null), ("n", limit));
    }

    public async Task<long> CountSealedAsync(SealedColumn column, Guid tenantId, CancellationToken cancellationToken)
    {
        (string table, _, string sealedColumn) = SealedColumns.Location(column);
        IReadOnlyList<long> rows = await QueryAsync($"SELECT COUNT(*) FROM {table} WHERE tenant_id = @t AND {sealedColumn} IS NOT NULL AND length({sealedColumn}) > 0",
            r => r.GetInt64(0), cancellationToken, ("t", IdParameter(tenantId)));
        return rows[0];
    }

    public async Task<bool> ReplaceSealedAsync(SealedColumn column, Guid tenantId, Guid recordId, byte[] expected, byte[] replacement, CancellationToken cancellationToken)
    {
        (string table, string id, string sealedColumn) = SealedColumns.Location(column);
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null,
            $"UPDATE {table} SET {sealedColumn} = @new WHERE tenant_id = @t AND {id} = @id AND {sealedColumn} = @old",
            cancellationToken, ("t", IdParameter(tenantId)), ("id", IdParameter(recordId)), ("old", expected), ("new", replacement)) == 1;
    }

    private const string RotationJobColumns = "id, tenant_id, to_version, status, stage, cursor, reencrypted, created_at, updated_at, completed_at";

    public async Task InsertRotationJobAsync(RotationJob job, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null,
            $"INSERT INTO key_rotation_jobs ({RotationJobColumns}) VALUES (@id, @t, @to, @status, @stage, @cursor, @done, @created, @updated, @completed)",
            cancellationToken, RotationJobParameters(job));
    }

    public async Task UpdateRotationJobAsync(RotationJob job, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null,
            "UPDATE key_rotation_jobs SET status = @status, stage = @stage, cursor = @cursor, reencrypted = @done, updated_at = @updated, completed_at = @completed " +
            "WHERE id = @id AND tenant_id = @t AND to_version = @to AND created_at = @created",
            cancellationToken, RotationJobParameters(job));
    }

    public Task<IReadOnlyList<RotationJob>> ListRotationJobsAsync(Guid? tenantId, CancellationToken cancellationToken) =>
        QueryAsync(
            $"SELECT {RotationJobColumns} FROM key_rotation_jobs{(tenantId is null ? "" : " WHERE tenant_id = @t")} ORDER BY created_at DESC, id DESC",
            r => new RotationJob(r.GetGuid(0), r.GetGuid(1), r.GetInt32(2), (RotationJobStatus)r.GetInt32(3), r.GetInt32(4), r.IsDBNull(5) ? null : r.GetGuid(5),
                r.GetInt64(6), FromMs(r.GetInt64(7)), FromMs(r.GetInt64(8)), FromMsOrNull(r, 9)),
            cancellationToken, ("t", tenantId is Guid t ? IdParameter(t) : null));

    private (string Name, object? Value)[] RotationJobParameters(RotationJob job) =>
    [
        ("id", IdParameter(job.Id)), ("t", IdParameter(job.TenantId)), ("to", job.ToVersion), ("status", (int)job.Status), ("stage", job.Stage),
        ("cursor", job.Cursor is Guid c ? IdParameter(c) : null), ("done", job.Reencrypted), ("created", Ms(job.CreatedAt)), ("updated", Ms(job.UpdatedAt)),
        ("completed", Ms(job.CompletedAt)),
    ];

    public Task<bool> DeleteTenantAsync(Guid tenantId, CancellationToken cancellationToken) =>
        ChangeWithEventsAsync(async (connection, transaction) =>
            await ExecuteAsync(connection, transaction, "DELETE FROM tenants WHERE id = @t", cancellationToken, ("t", IdParameter(tenantId))) == 1
            && await NotifiedAsync(connection, transaction, CredentialChange.Tenant(tenantId), cancellationToken), [], cancellationToken);
}
