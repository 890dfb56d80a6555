using Strongroom.Core.Cards;

namespace Strongroom.Core.Bins;

/// <summary>
/// An immutable BIN table with longest-prefix lookup (8, then 7, then 6 digits). Swapped as a whole
/// when an operator imports a new file, so readers never see half a table.
/// </summary>
public sealed class BinTable
{
    private readonly Dictionary<string, BinRecord> _byPrefix;

    public BinTable(IEnumerable<BinRecord> rows, string source)
    {
        _byPrefix = new Dictionary<string, BinRecord>(StringComparer.Ordinal);
        foreach (BinRecord row in rows)
        {
            _byPrefix.TryAdd(row.Prefix, row);
        }

        Source = source;
    }

    public int Count => _byPrefix.Count;

    /// <summary>Where the table came from: <c>shipped</c> or <c>imported</c>.</summary>
    public string Source { get; }

    /// <summary>The card's metadata: scheme from the IIN ranges, funding and issuer from the longest matching prefix, if any.</summary>
    public CardMetadata Lookup(Pan pan) => Lookup(pan.First6, pan.Reveal().AsSpan(0, Math.Min(8, pan.Length)), pan.Scheme);

    /// <summary>Lookup from stored clear fields (first six digits only: a token keeps no more).</summary>
    public CardMetadata Lookup(string first6, CardScheme scheme) => Lookup(first6, first6.AsSpan(), scheme);

    private CardMetadata Lookup(string first6, ReadOnlySpan<char> leading, CardScheme scheme)
    {
        for (int length = Math.Min(8, leading.Length); length >= 6; length--)
        {
            if (_byPrefix.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(leading[..length], out BinRecord? row) && row.Scheme == scheme)
            {
                return new CardMetadata(first6, scheme, row.Funding, row.Bank, row.Country, row.IssuerId);
            }
        }

        return new CardMetadata(first6, scheme, null, null, null, null);
    }
}
