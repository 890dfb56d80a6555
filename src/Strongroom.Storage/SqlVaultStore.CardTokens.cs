using System.Data.Common;
using Strongroom.Core.Cards;
using Strongroom.Core.Tokens;

namespace Strongroom.Storage;

public abstract partial class SqlVaultStore
{
    public async Task InsertCardTokenAsync(CardTokenRecord token, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null,
            "INSERT INTO card_tokens (id, tenant_id, scheme, first6, last4, pan_length, fingerprint, ciphertext, created_at) " +
            "VALUES (@id, @t, @scheme, @first6, @last4, @len, @fp, @ct, @created)",
            cancellationToken,
            ("id", IdParameter(token.Id)), ("t", IdParameter(token.TenantId)), ("scheme", (int)token.Scheme), ("first6", token.First6), ("last4", token.LastFour),
            ("len", token.PanLength), ("fp", token.Fingerprint), ("ct", token.Ciphertext), ("created", Ms(token.CreatedAt)));
    }

    public async Task<CardTokenRecord?> GetCardTokenAsync(Guid tenantId, Guid tokenId, CancellationToken cancellationToken)
    {
        IReadOnlyList<CardTokenRecord> rows = await QueryAsync(
            "SELECT id, tenant_id, scheme, first6, last4, pan_length, fingerprint, ciphertext, created_at FROM card_tokens WHERE tenant_id = @t AND id = @id",
            r => new CardTokenRecord(r.GetGuid(0), r.GetGuid(1), (CardScheme)r.GetInt32(2), r.GetString(3), r.GetString(4), r.GetInt32(5),
                (byte[])r.GetValue(6), (byte[])r.GetValue(7), FromMs(r.GetInt64(8))),
            cancellationToken, ("t", IdParameter(tenantId)), ("id", IdParameter(tokenId)));
        return rows.Count == 0 ? null : rows[0];
    }
}
