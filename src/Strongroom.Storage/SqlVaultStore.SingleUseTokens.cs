using System.Data.Common;
using Strongroom.Core.Bins;
using Strongroom.Core.Cards;
using Strongroom.Core.Events;
using Strongroom.Core.Idempotency;
using Strongroom.Core.Tokens;

namespace Strongroom.Storage;

public abstract partial class SqlVaultStore
{
    private const string SingleUseColumns =
        "id, public_id, card_id, tenant_id, scheme, first6, last4, pan_length, expiry_month, expiry_year, fingerprint, ciphertext, address_ciphertext, " +
        "funding, issuer_bank, issuer_country, issuer_id, client_ip, created_at, expires_at, used_at";

    public async Task InsertSingleUseTokenAsync(SingleUseTokenRecord token, CancellationToken cancellationToken)
    {
        SingleUseTokenRecord t = token;
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null,
            $"INSERT INTO single_use_tokens ({SingleUseColumns}) VALUES (@id, @public, @card, @t, @scheme, @first6, @last4, @len, @month, @year, @fp, @ct, @address, " +
            "@funding, @bank, @country, @issuer, @ip, @created, @expires, NULL)",
            cancellationToken,
            ("id", IdParameter(t.Id)), ("public", t.PublicId), ("card", t.CardId), ("t", IdParameter(t.TenantId)), ("scheme", (int)t.Scheme),
            ("first6", t.First6), ("last4", t.LastFour), ("len", t.PanLength), ("month", t.ExpiryMonth), ("year", t.ExpiryYear), ("fp", t.Fingerprint),
            ("ct", t.Ciphertext), ("address", t.AddressCiphertext), ("funding", t.Funding is { } f ? (int)f : null), ("bank", t.IssuerBank),
            ("country", t.IssuerCountry), ("issuer", t.IssuerId), ("ip", t.ClientIp), ("created", Ms(t.CreatedAt)), ("expires", Ms(t.ExpiresAt)));
    }

    public async Task<SingleUseTokenRecord?> GetSingleUseTokenAsync(Guid tenantId, string publicId, CancellationToken cancellationToken)
    {
        IReadOnlyList<SingleUseTokenRecord> rows = await QueryAsync(
            $"SELECT {SingleUseColumns} FROM single_use_tokens WHERE tenant_id = @t AND public_id = @public",
            r => new SingleUseTokenRecord(
                r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetGuid(3), (CardScheme)r.GetInt32(4), r.GetString(5), r.GetString(6), r.GetInt32(7),
                r.GetInt32(8), r.GetInt32(9), (byte[])r.GetValue(10), (byte[])r.GetValue(11), r.IsDBNull(12) ? null : (byte[])r.GetValue(12),
                r.IsDBNull(13) ? null : (CardFunding)r.GetInt32(13), r.IsDBNull(14) ? null : r.GetString(14), r.IsDBNull(15) ? null : r.GetString(15),
                r.IsDBNull(16) ? null : r.GetString(16), r.IsDBNull(17) ? null : r.GetString(17), FromMs(r.GetInt64(18)), FromMs(r.GetInt64(19)), FromMsOrNull(r, 20)),
            cancellationToken, ("t", IdParameter(tenantId)), ("public", publicId));
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<bool> TryUseSingleUseTokenAsync(Guid tenantId, string publicId, DateTimeOffset now, PciTokenRecord? newToken, IReadOnlyList<VaultEvent> events, IdempotencyCompletion? completion, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        int used = await ExecuteAsync(connection, transaction,
            "UPDATE single_use_tokens SET used_at = @now, ciphertext = @empty, address_ciphertext = NULL " +
            "WHERE tenant_id = @t AND public_id = @public AND used_at IS NULL AND expires_at > @now",
            cancellationToken, ("t", IdParameter(tenantId)), ("public", publicId), ("now", Ms(now)), ("empty", Array.Empty<byte>()));
        if (used != 1)
        {
            await transaction.RollbackAsync(cancellationToken);
            return false;
        }

        if (newToken is not null)
        {
            await InsertPciTokenAsync(connection, transaction, newToken, cancellationToken);
        }

        foreach (VaultEvent vaultEvent in events)
        {
            await InsertEventAsync(connection, transaction, vaultEvent, cancellationToken);
        }

        await CompleteIdempotencyKeyAsync(connection, transaction, completion, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<IReadOnlyList<(Guid TenantId, Guid Id)>> PurgeExpiredSingleUseTokensAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken) =>
        await QueryAsync(
            "DELETE FROM single_use_tokens WHERE id IN (SELECT id FROM single_use_tokens WHERE expires_at <= @now LIMIT @limit) RETURNING tenant_id, id",
            r => (r.GetGuid(0), r.GetGuid(1)), cancellationToken, ("now", Ms(now)), ("limit", batchSize));
}
