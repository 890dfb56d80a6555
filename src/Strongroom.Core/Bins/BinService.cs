using System.Reflection;
using Microsoft.Extensions.Logging;
using Strongroom.Core.Cards;

namespace Strongroom.Core.Bins;

/// <summary>The outcome of a BIN import: what was stored and what was refused, and why.</summary>
public sealed record BinImportResult(int Imported, IReadOnlyList<BinRejection> Rejections);

/// <summary>
/// Card metadata from the BIN table. The vault ships a small table (the public test ranges and each main
/// scheme, <c>Bins/bins.csv</c>); an operator replaces it with a licensed file through
/// <c>strongroom bin import</c>, which stores it in the database so every node reads the same table.
/// </summary>
public sealed partial class BinService(IBinStore store, TimeProvider time, ILogger<BinService> logger)
{
    /// <summary>How long a node trusts its cached table before checking for a newer import.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMinutes(1);

    private static readonly Lazy<BinTable> Shipped = new(LoadShipped);

    private volatile BinTable? _table;
    private long _loadedAtTicks;

    /// <summary>The table in force (imported if any, else shipped), refreshed from the store at most every <see cref="RefreshInterval"/>.</summary>
    public async ValueTask<BinTable> GetTableAsync(CancellationToken cancellationToken)
    {
        BinTable? table = _table;
        long now = time.GetUtcNow().UtcTicks;
        if (table is not null && now - Interlocked.Read(ref _loadedAtTicks) < RefreshInterval.Ticks)
        {
            return table;
        }

        IReadOnlyList<BinRecord> imported = await store.ListBinRangesAsync(cancellationToken);
        table = imported.Count > 0 ? new BinTable(imported, "imported") : Shipped.Value;
        _table = table;
        Interlocked.Exchange(ref _loadedAtTicks, now);
        return table;
    }

    public async ValueTask<CardMetadata> LookupAsync(Pan pan, CancellationToken cancellationToken) =>
        (await GetTableAsync(cancellationToken)).Lookup(pan);

    public async ValueTask<CardMetadata> LookupAsync(string first6, CardScheme scheme, CancellationToken cancellationToken) =>
        (await GetTableAsync(cancellationToken)).Lookup(first6, scheme);

    /// <summary>
    /// Reads a BIN file and, when at least one row is good, replaces the stored table with the good rows in one
    /// transaction (a failed import leaves the previous table in force).
    /// </summary>
    public async Task<BinImportResult> ImportAsync(TextReader reader, Action<long>? onProgress, CancellationToken cancellationToken)
    {
        (List<BinRecord> rows, List<BinRejection> rejections) = await BinCsv.ReadAsync(reader, onProgress, cancellationToken);
        if (rows.Count > 0)
        {
            await store.ReplaceBinRangesAsync(rows, cancellationToken);
            _table = null;
        }

        LogImported(logger, rows.Count, rejections.Count);
        return new BinImportResult(rows.Count, rejections);
    }

    /// <summary>The shipped table (embedded <c>Bins/bins.csv</c>); it must parse without a single rejection.</summary>
    internal static BinTable LoadShipped()
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Strongroom.Core.Bins.bins.csv")
            ?? throw new InvalidOperationException("The shipped BIN table is missing.");
        using var reader = new StreamReader(stream);
        (List<BinRecord> rows, List<BinRejection> rejections) = BinCsv.ReadAsync(reader, null, CancellationToken.None).GetAwaiter().GetResult();
        if (rejections.Count > 0)
        {
            throw new InvalidOperationException($"The shipped BIN table has a bad row at line {rejections[0].Line}: {rejections[0].Reason}");
        }

        return new BinTable(rows, "shipped");
    }

    [LoggerMessage(EventId = 2201, Level = LogLevel.Information, Message = "Imported a BIN table: {Imported} row(s), {Rejected} rejected")]
    private static partial void LogImported(ILogger logger, int imported, int rejected);
}
