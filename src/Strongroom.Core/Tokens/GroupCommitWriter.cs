using System.Threading.Channels;
using Strongroom.Core.Events;
using Strongroom.Core.Storage;

namespace Strongroom.Core.Tokens;

/// <summary>
/// Group commit for PCI token inserts on a store with a single writer (SQLite): callers queue their token, one loop takes
/// everything queued so far (up to <see cref="MaxBatch"/>) and writes it in one transaction, so one fsync acknowledges
/// many tokens. Durability is unchanged: a caller's task completes only after the transaction holding its token has
/// committed. Under light load a batch is a single token and nothing waits for company. If a batch fails as a whole,
/// its tokens are retried one by one, so one bad row (a tenant deleted meanwhile) fails only its own caller.
/// </summary>
internal sealed class GroupCommitWriter
{
    public const int MaxBatch = 64;

    private readonly IVaultStore _store;
    private readonly Channel<PendingInsert> _queue = Channel.CreateUnbounded<PendingInsert>(new UnboundedChannelOptions { SingleReader = true });

    public GroupCommitWriter(IVaultStore store)
    {
        _store = store;
        _ = Task.Run(WriteLoopAsync);
    }

    /// <summary>Completes when <paramref name="token"/> and its event are committed; faults with the store's exception otherwise.</summary>
    public Task InsertAsync(PciTokenRecord token, VaultEvent created, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new PendingInsert(token, created, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new InvalidOperationException("The token writer has stopped.");
        }

        // Not cancellable once queued: the row may already be on its way to disk, and a caller must not be told it was not written.
        return pending.Done.Task;
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
            await _store.InsertPciTokensAsync([.. batch.Select(p => (p.Token, p.Created))], CancellationToken.None);
            batch.ForEach(p => p.Done.TrySetResult());
            return;
        }
        catch (Exception ex) when (batch.Count == 1)
        {
            batch[0].Done.TrySetException(ex);
            return;
        }
#pragma warning disable CA1031 // The batch failed as a whole: each token is retried alone and reports its own outcome.
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        foreach (PendingInsert pending in batch)
        {
            try
            {
                await _store.InsertPciTokensAsync([(pending.Token, pending.Created)], CancellationToken.None);
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

    private sealed record PendingInsert(PciTokenRecord Token, VaultEvent Created, TaskCompletionSource Done);
}
