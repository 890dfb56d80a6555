using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Strongroom.Core.Telemetry;

namespace Strongroom.Storage;

/// <summary>
/// Group commit for hot writes, on either engine: callers queue a write, a writer loop takes everything queued so far (up to
/// <see cref="MaxBatch"/>) and writes it in one transaction, so one fsync (SQLite) or one round trip and one WAL flush
/// (PostgreSQL) acknowledges many writes. Durability is unchanged: a caller's task completes only after the transaction holding
/// its write has committed. Under light load a batch is a single write and nothing waits for company. If a batch fails as a
/// whole, its writes are retried one by one, so one bad row (a tenant deleted meanwhile, an idempotency reservation taken
/// over) fails only its own caller. Owned by the store, which stops it on dispose.
/// </summary>
/// <typeparam name="TWrite">One queued write.</typeparam>
internal sealed class GroupCommitWriter<TWrite> : IAsyncDisposable
{
    public const int MaxBatch = 64;

    private static readonly Histogram<int> BatchSize = VaultMeter.Meter.CreateHistogram<int>(
        "strongroom.store.group_commit.batch_size", "{write}", "Writes committed together by one group-commit transaction.");

    private readonly Func<IReadOnlyList<TWrite>, Task<bool[]>> _write;
    private readonly KeyValuePair<string, object?> _engine;
    private readonly Channel<PendingWrite> _queue;
    private readonly Task[] _loops;

    /// <param name="engine">The engine name, the batch-size histogram's one tag.</param>
    /// <param name="writers">Writer loops: 1 where the engine has a single writer (SQLite), more where commits overlap (PostgreSQL).</param>
    /// <param name="write">Writes a batch in one transaction, all or none, and returns each write's outcome (e.g. "reserved").</param>
    public GroupCommitWriter(string engine, int writers, Func<IReadOnlyList<TWrite>, Task<bool[]>> write)
    {
        _write = write;
        _engine = new("engine", engine);
        _queue = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = writers == 1 });
        _loops = [.. Enumerable.Range(0, writers).Select(_ => Task.Run(WriteLoopAsync))];
    }

    /// <summary>Completes with the write's outcome when it is committed; faults with the store's exception otherwise.</summary>
    public Task<bool> WriteAsync(TWrite write, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new PendingWrite(write, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(GroupCommitWriter<>), "The store's writer has stopped.");
        }

        // Not cancellable once queued: the row may already be on its way to disk, and a caller must not be told it was not written.
        return pending.Done.Task;
    }

    /// <summary>Stops taking writes and waits for the queued ones to be written.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_loops);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<PendingWrite>(MaxBatch);
        var writes = new List<TWrite>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out PendingWrite? pending))
            {
                batch.Add(pending);
                writes.Add(pending.Write);
            }

            if (batch.Count > 0)
            {
                await WriteAsync(batch, writes);
            }

            batch.Clear();
            writes.Clear();
        }
    }

    private async Task WriteAsync(List<PendingWrite> batch, List<TWrite> writes)
    {
        try
        {
            bool[] outcomes = await _write(writes);
            BatchSize.Record(batch.Count, _engine);
            for (int i = 0; i < batch.Count; i++)
            {
                batch[i].Done.TrySetResult(outcomes[i]);
            }

            return;
        }
        catch (Exception ex) when (batch.Count == 1)
        {
            batch[0].Done.TrySetException(ex);
            return;
        }
#pragma warning disable CA1031 // The batch failed as a whole: each write is retried alone and reports its own outcome.
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        foreach (PendingWrite pending in batch)
        {
            try
            {
                bool[] outcome = await _write([pending.Write]);
                BatchSize.Record(1, _engine);
                pending.Done.TrySetResult(outcome[0]);
            }
#pragma warning disable CA1031 // Handed to the caller, who sees it exactly as a direct write would have thrown it.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                pending.Done.TrySetException(ex);
            }
        }
    }

    private sealed record PendingWrite(TWrite Write, TaskCompletionSource<bool> Done);
}
