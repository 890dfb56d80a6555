using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using Strongroom.Core.Storage;

namespace Strongroom.Core.Telemetry;

/// <summary>
/// Wraps an <see cref="IVaultStore"/> so every asynchronous store call is timed (<see cref="StoreInstruments"/>) and, while a
/// tracer listens, gets a client span <c>store.&lt;Operation&gt;</c>. A <see cref="DispatchProxy"/> rather than a hand-written
/// decorator: the store contract is the union of fifteen aggregate interfaces that other changes keep extending, and a
/// proxy covers each new method without an edit here. Per call it costs the proxy's argument array, one cached
/// <see cref="MethodInfo"/> invoke and, for a call still running when it returns, one continuation; the store's own work
/// (a database round trip, a group-commit fsync) is orders of magnitude more. Nothing about the arguments is recorded:
/// the tags are the engine, the operation name and, on failure, the exception type.
/// </summary>
public class InstrumentedVaultStore : DispatchProxy, IAsyncDisposable, IDisposable
{
    private readonly ConcurrentDictionary<MethodInfo, StoreOperation?> _operations = new();
    private IVaultStore _inner = null!;
    private string _engine = string.Empty;

    /// <summary>The store <paramref name="inner"/> behind the instrumented proxy; disposing the proxy disposes it.</summary>
    public static IVaultStore Wrap(IVaultStore inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        IVaultStore proxy = Create<IVaultStore, InstrumentedVaultStore>();
        var self = (InstrumentedVaultStore)(object)proxy;
        self._inner = inner;
        self._engine = inner.Engine;
        return proxy;
    }

    /// <summary>The wrapped store (for code that must reach the engine itself).</summary>
    public IVaultStore Inner => _inner;

    /// <inheritdoc/>
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        StoreOperation? operation = _operations.GetOrAdd(targetMethod, static (method, engine) => StoreOperation.For(method, engine), _engine);
        if (operation is null)
        {
            return Call(targetMethod, args);
        }

        Activity? parent = Activity.Current;
        Activity? span = operation.StartSpan();
        long started = Stopwatch.GetTimestamp();
        object? result;
        try
        {
            result = Call(targetMethod, args);
        }
        catch (Exception ex)
        {
            operation.Complete(started, ex, span);
            throw;
        }
        finally
        {
            // The span is current for the store's own code (its async state machine captured it); the caller continues under its parent.
            if (span is not null)
            {
                Activity.Current = parent;
            }
        }

        if (result is not Task task)
        {
            operation.Complete(started, null, span);
            return result;
        }

        if (task.IsCompleted)
        {
            operation.Complete(started, task.Exception?.InnerException, span);
        }
        else
        {
            task.ContinueWith(
                static (finished, state) => ((PendingCall)state!).Complete(finished),
                new PendingCall(operation, started, span),
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        return task;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_inner is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            (_inner as IDisposable)?.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Disposes the wrapped store.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }

        if (_inner is IDisposable disposable)
        {
            disposable.Dispose();
        }
        else if (_inner is IAsyncDisposable asyncDisposable)
        {
            asyncDisposable.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private object? Call(MethodInfo method, object?[]? args) =>
        method.Invoke(_inner, BindingFlags.DoNotWrapExceptions, binder: null, args, culture: null);

    private sealed record PendingCall(StoreOperation Operation, long Started, Activity? Span)
    {
        public void Complete(Task finished) => Operation.Complete(Started, finished.IsFaulted ? finished.Exception?.InnerException : null, Span);
    }
}

/// <summary>One store method's instrument tags and span name; null for members that are not asynchronous operations (<see cref="IVaultStore.Engine"/>).</summary>
internal sealed class StoreOperation
{
    private readonly KeyValuePair<string, object?>[] _tags;
    private readonly string _spanName;
    private readonly string _engine;
    private readonly string _name;

    private StoreOperation(string engine, string name)
    {
        _engine = engine;
        _name = name;
        _spanName = "store." + name;
        _tags = [new("engine", engine), new("operation", name)];
    }

    public static StoreOperation? For(MethodInfo method, string engine)
    {
        if (!typeof(Task).IsAssignableFrom(method.ReturnType))
        {
            return null;
        }

        string name = method.Name.EndsWith("Async", StringComparison.Ordinal) ? method.Name[..^"Async".Length] : method.Name;
        return new StoreOperation(engine, name);
    }

    public Activity? StartSpan()
    {
        Activity? span = VaultTracing.Source.StartActivity(_spanName, ActivityKind.Client);
        if (span is not null)
        {
            span.SetTag("db.system.name", _engine == "postgres" ? "postgresql" : _engine);
            span.SetTag("db.operation.name", _name);
        }

        return span;
    }

    public void Complete(long started, Exception? error, Activity? span)
    {
        StoreInstruments.Duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, _tags);
        if (error is not null && error is not OperationCanceledException)
        {
            StoreInstruments.Errors.Add(1, [_tags[0], _tags[1], new("error.type", error.GetType().Name)]);
            span?.SetStatus(ActivityStatusCode.Error);
            span?.SetTag("error.type", error.GetType().FullName);
        }

        span?.Stop();
    }
}
