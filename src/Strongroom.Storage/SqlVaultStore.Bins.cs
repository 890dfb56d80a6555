using System.Data.Common;
using Strongroom.Core.Bins;
using Strongroom.Core.Cards;

namespace Strongroom.Storage;

public abstract partial class SqlVaultStore
{
    public async Task<IReadOnlyList<BinRecord>> ListBinRangesAsync(CancellationToken cancellationToken) =>
        await QueryAsync("SELECT prefix, scheme, funding, bank, country, issuer_id FROM bin_ranges",
            r => new BinRecord(r.GetString(0), (CardScheme)r.GetInt32(1), (CardFunding)r.GetInt32(2), r.GetString(3), r.GetString(4), r.GetString(5)),
            cancellationToken);

    public async Task ReplaceBinRangesAsync(IReadOnlyList<BinRecord> rows, CancellationToken cancellationToken)
    {
        const int RowsPerStatement = 500;
        await using DbConnection connection = await OpenAsync(cancellationToken);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, "DELETE FROM bin_ranges", cancellationToken);
        for (int start = 0; start < rows.Count; start += RowsPerStatement)
        {
            int count = Math.Min(RowsPerStatement, rows.Count - start);
            var values = new System.Text.StringBuilder("INSERT INTO bin_ranges (prefix, scheme, funding, bank, country, issuer_id) VALUES ");
            var parameters = new (string Name, object? Value)[count * 6];
            for (int i = 0; i < count; i++)
            {
                BinRecord row = rows[start + i];
                values.Append(i == 0 ? "" : ", ").Append(System.Globalization.CultureInfo.InvariantCulture, $"(@p{i}, @s{i}, @f{i}, @b{i}, @c{i}, @i{i})");
                int at = i * 6;
                parameters[at] = ($"p{i}", row.Prefix);
                parameters[at + 1] = ($"s{i}", (int)row.Scheme);
                parameters[at + 2] = ($"f{i}", (int)row.Funding);
                parameters[at + 3] = ($"b{i}", row.Bank);
                parameters[at + 4] = ($"c{i}", row.Country);
                parameters[at + 5] = ($"i{i}", row.IssuerId);
            }

            await ExecuteAsync(connection, transaction, values.ToString(), cancellationToken, parameters);
        }

        await transaction.CommitAsync(cancellationToken);
    }
}
