namespace Strongroom.Core.Bins;

/// <summary>The imported BIN table.</summary>
public interface IBinStore
{
    /// <summary>The imported BIN table (empty when none was imported: the shipped table applies).</summary>
    Task<IReadOnlyList<BinRecord>> ListBinRangesAsync(CancellationToken cancellationToken);

    /// <summary>Replaces the whole imported BIN table in one transaction.</summary>
    Task ReplaceBinRangesAsync(IReadOnlyList<BinRecord> rows, CancellationToken cancellationToken);
}
