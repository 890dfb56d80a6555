using System.Threading.Channels;
using Strongroom.Core.Tokens;

namespace Strongroom.Storage;

/// <summary>
/// Group commit for PCI token inserts on a store with a single writer (SQLite): callers queue their insert, one loop takes
/// everything queued so far (up to <see cref="MaxBatch"/>) and writes it in one transaction, so one fsync acknowledges
/// many tokens. Durability is unchanged: a caller's task completes only after the transaction holding its token (with its
/// event and completed idempotency key) has committed. Under light load a batch is a single token and nothing waits for
/// company. If a batch fails as a whole, its inserts are retried one by one, so one bad row (a tenant deleted meanwhile, an
/// idempotency reservation taken over) fails only its own caller. Owned by the store, which stops it on dispose.
/// </summary>
internal sealed class GroupCommitWriter : IAsyncDisposable
{
    public const int MaxBatch = 64;

    private readonly Func<IReadOnlyList<PciTokenInsert>, Task> _write;
    private readonly Channel<PendingInsert> _queue = Channel.CreateUnbounded<PendingInsert>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;

    /// <param name="write">Writes a batch in one transaction, all or none.</param>
    public GroupCommitWriter(Func<IReadOnlyList<PciTokenInsert>, Task> write)
    {
        _write = write;
        _loop = Task.Run(WriteLoopAsync);
    }

    /// <summary>Completes when <paramref name="insert"/> is committed; faults with the store's exception otherwise.</summary>
    public Task InsertAsync(PciTokenInsert insert, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new PendingInsert(insert, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(GroupCommitWriter), "The token writer has stopped.");
        }

        // Not cancellable once queued: the row may already be on its way to disk, and a caller must not be told it was not written.
        return pending.Done.Task;
    }

    /// <summary>Stops taking inserts and waits for the queued ones to be written.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<PendingInsert>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out PendingInsert? pending))
            {
                batch.Add(pending);
            }

            await WriteAsync(batch);
            batch.Clear();
        }
    }

    private async Task WriteAsync(List<PendingInsert> batch)
    {
        try
        {
            await _write([.. batch.Select(p => p.Insert)]);
            batch.ForEach(p => p.Done.TrySetResult());
            return;
        }
        catch (Exception ex) when (batch.Count == 1)
        {
            batch[0].Done.TrySetException(ex);
            return;
        }
#pragma warning disable CA1031 // The batch failed as a whole: each insert is retried alone and reports its own outcome.
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        foreach (PendingInsert pending in batch)
        {
            try
            {
                await _write([pending.Insert]);
                pending.Done.TrySetResult();
            }
#pragma warning disable CA1031 // Handed to the caller, who sees it exactly as a direct insert would have thrown it.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                pending.Done.TrySetException(ex);
            }
        }
    }

    private sealed record PendingInsert(PciTokenInsert Insert, TaskCompletionSource Done);
}
