using System.Data.Common;
using Strongroom.Core.Cards;
using Strongroom.Core.Events;
using Strongroom.Core.Idempotency;
using Strongroom.Core.NetworkTokens;

namespace Strongroom.Storage;

public abstract partial class SqlVaultStore
{
    private const string NetworkTokenColumns =
        "id, tenant_id, scheme, first6, last4, pan_length, expiry_month, expiry_year, fingerprint, card_ciphertext, token_pan_ciphertext, " +
        "token_expiry_month, token_expiry_year, token_type, scheme_reference, status, suspended_by, pci_token_id, metadata, cryptogram_counter, created_at, updated_at";

    public async Task<bool> InsertNetworkTokenAsync(NetworkTokenRecord token, VaultEvent created, IdempotencyCompletion? completion, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await InsertNetworkTokenAsync(connection, transaction, token, cancellationToken) != 1)
        {
            await transaction.RollbackAsync(cancellationToken);
            return false;
        }

        await InsertEventAsync(connection, transaction, created, cancellationToken);
        await CompleteIdempotencyKeyAsync(connection, transaction, completion, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// One row, or none when the partial unique index (one live token per card and tenant) objects:
    /// <c>ON CONFLICT DO NOTHING</c> without a target covers partial indexes on both engines.
    /// </summary>
    private Task<int> InsertNetworkTokenAsync(DbConnection connection, DbTransaction transaction, NetworkTokenRecord t, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction,
            $"INSERT INTO network_tokens ({NetworkTokenColumns}) VALUES (@id, @t, @scheme, @first6, @last4, @len, @month, @year, @fp, @card, @tpan, " +
            "@tmonth, @tyear, @type, @ref, @status, @suspended, @pci, @meta, @counter, @created, @updated) ON CONFLICT DO NOTHING",
            cancellationToken,
            ("id", IdParameter(t.Id)), ("t", IdParameter(t.TenantId)), ("scheme", (int)t.Scheme), ("first6", t.First6), ("last4", t.LastFour),
            ("len", t.PanLength), ("month", t.ExpiryMonth), ("year", t.ExpiryYear), ("fp", t.Fingerprint), ("card", t.CardCiphertext),
            ("tpan", t.TokenPanCiphertext), ("tmonth", t.TokenExpiryMonth), ("tyear", t.TokenExpiryYear), ("type", (int)t.Type),
            ("ref", t.SchemeReference), ("status", (int)t.Status), ("suspended", (int)t.SuspendedBy),
            ("pci", t.PciTokenId is Guid pci ? IdParameter(pci) : null), ("meta", t.MetadataJson), ("counter", t.CryptogramCounter),
            ("created", Ms(t.CreatedAt)), ("updated", Ms(t.UpdatedAt)));

    public async Task<NetworkTokenRecord?> GetNetworkTokenAsync(Guid tenantId, Guid tokenId, CancellationToken cancellationToken)
    {
        IReadOnlyList<NetworkTokenRecord> rows = await QueryAsync($"SELECT {NetworkTokenColumns} FROM network_tokens WHERE tenant_id = @t AND id = @id",
            ReadNetworkToken, cancellationToken, ("t", IdParameter(tenantId)), ("id", IdParameter(tokenId)));
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<bool> UpdateNetworkTokenStatusAsync(NetworkTokenRecord current, NetworkTokenStatus status, SuspensionParties suspendedBy, bool eraseCardData, DateTimeOffset now, VaultEvent change, IdempotencyCompletion? completion, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        string eraseSql = eraseCardData ? ", card_ciphertext = @empty, token_pan_ciphertext = @empty" : "";
        int updated = await ExecuteAsync(connection, transaction,
            $"UPDATE network_tokens SET status = @status, suspended_by = @suspended, updated_at = @now{eraseSql} " +
            "WHERE tenant_id = @t AND id = @id AND status = @was AND suspended_by = @wasSuspended",
            cancellationToken,
            ("t", IdParameter(current.TenantId)), ("id", IdParameter(current.Id)), ("status", (int)status), ("suspended", (int)suspendedBy),
            ("now", Ms(now)), ("was", (int)current.Status), ("wasSuspended", (int)current.SuspendedBy), ("empty", Array.Empty<byte>()));
        if (updated != 1)
        {
            await transaction.RollbackAsync(cancellationToken);
            return false;
        }

        await InsertEventAsync(connection, transaction, change, cancellationToken);
        await CompleteIdempotencyKeyAsync(connection, transaction, completion, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<long?> IssueCryptogramAsync(CryptogramRecord cryptogram, VaultEvent issued, Func<long, IdempotencyCompletion>? completeFor, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        long? counter = null;
        await using (DbCommand command = CreateCommand(connection, transaction,
            "UPDATE network_tokens SET cryptogram_counter = cryptogram_counter + 1 WHERE tenant_id = @t AND id = @id AND status = @active RETURNING cryptogram_counter",
            [("t", IdParameter(cryptogram.TenantId)), ("id", IdParameter(cryptogram.TokenId)), ("active", (int)NetworkTokenStatus.Active)]))
        {
            object? value = await command.ExecuteScalarAsync(cancellationToken);
            if (value is not null and not DBNull)
            {
                counter = Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        if (counter is null)
        {
            await transaction.RollbackAsync(cancellationToken);
            return null;
        }

        await ExecuteAsync(connection, transaction,
            "INSERT INTO network_token_cryptograms (token_id, counter, tenant_id, amount, currency, reference_digest, created_at, expires_at, used_at) " +
            "VALUES (@token, @counter, @t, @amount, @currency, @ref, @created, @expires, NULL)",
            cancellationToken,
            ("token", IdParameter(cryptogram.TokenId)), ("counter", counter.Value), ("t", IdParameter(cryptogram.TenantId)), ("amount", cryptogram.Amount),
            ("currency", cryptogram.Currency), ("ref", cryptogram.ReferenceDigest), ("created", Ms(cryptogram.CreatedAt)), ("expires", Ms(cryptogram.ExpiresAt)));
        await InsertEventAsync(connection, transaction, issued, cancellationToken);
        await CompleteIdempotencyKeyAsync(connection, transaction, completeFor?.Invoke(counter.Value), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return counter;
    }

    public async Task<CryptogramRecord?> GetCryptogramAsync(Guid tenantId, Guid tokenId, long counter, CancellationToken cancellationToken)
    {
        IReadOnlyList<CryptogramRecord> rows = await QueryAsync(
            "SELECT token_id, tenant_id, counter, amount, currency, reference_digest, created_at, expires_at, used_at FROM network_token_cryptograms " +
            "WHERE tenant_id = @t AND token_id = @token AND counter = @counter",
            r => new CryptogramRecord(r.GetGuid(0), r.GetGuid(1), r.GetInt64(2), r.IsDBNull(3) ? null : r.GetInt64(3), r.IsDBNull(4) ? null : r.GetString(4),
                r.IsDBNull(5) ? null : (byte[])r.GetValue(5), FromMs(r.GetInt64(6)), FromMs(r.GetInt64(7)), FromMsOrNull(r, 8)),
            cancellationToken, ("t", IdParameter(tenantId)), ("token", IdParameter(tokenId)), ("counter", counter));
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<bool> UseCryptogramAsync(Guid tenantId, Guid tokenId, long counter, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null,
            "UPDATE network_token_cryptograms SET used_at = @now WHERE tenant_id = @t AND token_id = @token AND counter = @counter AND used_at IS NULL AND expires_at > @now",
            cancellationToken, ("t", IdParameter(tenantId)), ("token", IdParameter(tokenId)), ("counter", counter), ("now", Ms(now))) == 1;
    }

    public async Task<int> PurgeCryptogramsAsync(DateTimeOffset expiredBefore, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        return await ExecuteAsync(connection, null, "DELETE FROM network_token_cryptograms WHERE expires_at <= @before", cancellationToken, ("before", Ms(expiredBefore)));
    }

    private const string EventColumns = "id, tenant_id, type, subject_id, data, created_at, dispatched_at";

    private static NetworkTokenRecord ReadNetworkToken(DbDataReader r) => new(
        r.GetGuid(0), r.GetGuid(1), (CardScheme)r.GetInt32(2), r.GetString(3), r.GetString(4), r.GetInt32(5), r.GetInt32(6), r.GetInt32(7),
        (byte[])r.GetValue(8), (byte[])r.GetValue(9), (byte[])r.GetValue(10), r.GetInt32(11), r.GetInt32(12), (NetworkTokenType)r.GetInt32(13),
        r.GetString(14), (NetworkTokenStatus)r.GetInt32(15), (SuspensionParties)r.GetInt32(16), r.IsDBNull(17) ? null : r.GetGuid(17),
        r.IsDBNull(18) ? null : r.GetString(18), r.GetInt64(19), FromMs(r.GetInt64(20)), FromMs(r.GetInt64(21)));
}
