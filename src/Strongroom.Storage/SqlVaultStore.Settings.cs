using System.Data.Common;

namespace Strongroom.Storage;

public abstract partial class SqlVaultStore
{
    public async Task<string?> GetSettingAsync(string name, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> rows = await QueryAsync("SELECT value FROM settings WHERE name = @name", r => r.GetString(0), cancellationToken, ("name", name));
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task SetSettingIfNewerAsync(string name, string value, long order, CancellationToken cancellationToken)
    {
        // Settings hold text, whose order prefix the two engines would parse differently in SQL; so the order is compared
        // here and written by compare-and-set on the exact value read, retried when another writer changed it meanwhile.
        // (A read-then-upsert transaction is not enough: under PostgreSQL's READ COMMITTED two writers both read the old
        // value and the older one may commit last, moving the head backwards.)
        await using DbConnection connection = await OpenAsync(cancellationToken);
        while (true)
        {
            object? current = await ScalarAsync(connection, null, "SELECT value FROM settings WHERE name = @name", cancellationToken, ("name", name));
            if (current is not string text)
            {
                if (await ExecuteAsync(connection, null, "INSERT INTO settings (name, value) VALUES (@name, @value) ON CONFLICT (name) DO NOTHING", cancellationToken,
                    ("name", name), ("value", value)) == 1)
                {
                    return;
                }

                continue;
            }

            if (long.TryParse(text.Split(':')[0], System.Globalization.CultureInfo.InvariantCulture, out long existing) && existing > order)
            {
                return;
            }

            if (await ExecuteAsync(connection, null, "UPDATE settings SET value = @value WHERE name = @name AND value = @current", cancellationToken,
                ("name", name), ("value", value), ("current", text)) == 1)
            {
                return;
            }
        }
    }

    public async Task<bool> TryAddSettingAsync(string name, string value, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null, "INSERT INTO settings (name, value) VALUES (@name, @value) ON CONFLICT (name) DO NOTHING", cancellationToken,
            ("name", name), ("value", value)) == 1;
    }

    public async Task<string?> GetTenantSettingAsync(Guid tenantId, string name, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> rows = await QueryAsync("SELECT value FROM tenant_settings WHERE tenant_id = @t AND name = @name", r => r.GetString(0),
            cancellationToken, ("t", IdParameter(tenantId)), ("name", name));
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task SetTenantSettingAsync(Guid tenantId, string name, string? value, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        if (value is null)
        {
            await ExecuteAsync(connection, null, "DELETE FROM tenant_settings WHERE tenant_id = @t AND name = @name", cancellationToken,
                ("t", IdParameter(tenantId)), ("name", name));
            return;
        }

        await ExecuteAsync(connection, null,
            "INSERT INTO tenant_settings (tenant_id, name, value) VALUES (@t, @name, @value) ON CONFLICT (tenant_id, name) DO UPDATE SET value = excluded.value",
            cancellationToken, ("t", IdParameter(tenantId)), ("name", name), ("value", value));
    }
}
