using System.Data.Common;
using System.Diagnostics;

namespace Strongroom.Storage;

/// <summary>
/// Checkpoints the SQLite WAL in the background, PASSIVE (it copies what no reader still needs and never waits for, or blocks,
/// the writer), at most every <see cref="Interval"/> and only after commits, so an idle store does no work. The writer
/// connection runs with <c>wal_autocheckpoint = 0</c>: SQLite's automatic checkpoint ran inside the commit that crossed
/// 1000 pages, and every writer queued behind that commit waited for it (the 100 ms p99 of bench/profiles.md).
/// </summary>
internal sealed class SqliteCheckpointer(Func<CancellationToken, ValueTask<DbConnection>> open) : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    private readonly Lock _gate = new();
    private long _lastStarted = Stopwatch.GetTimestamp();
    private Task _running = Task.CompletedTask;
    private bool _disposed;

    /// <summary>Called after each commit: starts a checkpoint when the last one is done and old enough.</summary>
    public void AfterCommit()
    {
        lock (_gate)
        {
            if (_disposed || !_running.IsCompleted || Stopwatch.GetElapsedTime(_lastStarted) < Interval)
            {
                return;
            }

            _lastStarted = Stopwatch.GetTimestamp();
            _running = Task.Run(CheckpointAsync);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task running;
        lock (_gate)
        {
            _disposed = true;
            running = _running;
        }

        await running;
    }

    private async Task CheckpointAsync()
    {
        try
        {
            await using DbConnection connection = await open(CancellationToken.None);
            await using DbCommand command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
            await command.ExecuteNonQueryAsync();
        }
#pragma warning disable CA1031 // A checkpoint that could not run (the file busy, the store closing) is retried after the next commit.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
