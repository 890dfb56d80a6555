using System.Diagnostics;
using System.Diagnostics.Metrics;
using Strongroom.Core.Crypto;

namespace Strongroom.Core.Telemetry;

/// <summary>
/// Times every call to the key provider (a file or an HSM) and, while a tracer listens, gives it a span <c>keys.&lt;operation&gt;</c>
/// tagged with the provider name only: never key material, wrapped blobs or their AAD.
/// </summary>
public sealed class InstrumentedKeyProvider(IKeyProvider inner) : IKeyProvider, IAsyncDisposable, IDisposable
{
    private static readonly Histogram<double> Duration = LatencyBuckets.CreateHistogram("strongroom.key_provider.operation.duration", "Duration of key provider calls (wrap, unwrap, audit seal, KEK management), by provider and operation.");

    /// <inheritdoc/>
    public string Name => inner.Name;

    /// <inheritdoc/>
    public ValueTask<WrappedKey> WrapAsync(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> context, CancellationToken cancellationToken = default) =>
        MeasureAsync("wrap", () => inner.WrapAsync(key, context, cancellationToken));

    /// <inheritdoc/>
    public ValueTask<byte[]> UnwrapAsync(WrappedKey wrapped, ReadOnlyMemory<byte> context, CancellationToken cancellationToken = default) =>
        MeasureAsync("unwrap", () => inner.UnwrapAsync(wrapped, context, cancellationToken));

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<int>> ListKekVersionsAsync(CancellationToken cancellationToken = default) =>
        MeasureAsync("list_kek_versions", () => inner.ListKekVersionsAsync(cancellationToken));

    /// <inheritdoc/>
    public ValueTask<int> CreateKekVersionAsync(CancellationToken cancellationToken = default) =>
        MeasureAsync("create_kek_version", () => inner.CreateKekVersionAsync(cancellationToken));

    /// <inheritdoc/>
    public async ValueTask DestroyKekVersionAsync(int version, CancellationToken cancellationToken = default)
    {
        _ = await MeasureAsync("destroy_kek_version", async () =>
        {
            await inner.DestroyKekVersionAsync(version, cancellationToken).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public ValueTask<byte[]> AuditSealAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        MeasureAsync("audit_seal", () => inner.AuditSealAsync(data, cancellationToken));

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => inner is IAsyncDisposable asyncDisposable ? asyncDisposable.DisposeAsync() : DisposeSynchronously();

    /// <inheritdoc/>
    public void Dispose() => (inner as IDisposable)?.Dispose();

    private ValueTask DisposeSynchronously()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    // Key calls are rare (the keyring caches unwrapped keys), so a closure per call is fine here.
    private async ValueTask<T> MeasureAsync<T>(string operation, Func<ValueTask<T>> call)
    {
        using Activity? span = VaultTracing.Source.StartActivity("keys." + operation, ActivityKind.Internal);
        span?.SetTag("strongroom.key_provider", inner.Name);
        long started = Stopwatch.GetTimestamp();
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (span is not null)
        {
            span.SetStatus(ActivityStatusCode.Error);
            span.SetTag("error.type", ex.GetType().FullName);
            throw;
        }
        finally
        {
            Duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("provider", inner.Name), new KeyValuePair<string, object?>("operation", operation));
        }
    }
}
