using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Strongroom.Adapters.Redis;

/// <summary>
/// One multiplexed connection to the shared Redis per process. Connects lazily and keeps retrying in the background
/// (<c>AbortOnConnectFail=false</c>), so a node starts while Redis is down and recovers when it is back; meanwhile every
/// command fails fast with <see cref="SharedStateUnavailableException"/>.
/// </summary>
public sealed class RedisConnection : IDisposable
{
    private readonly Lazy<ConnectionMultiplexer> _multiplexer;

    public RedisConnection(IOptions<RedisOptions> options)
    {
        RedisOptions value = options.Value;
        if (!value.Enabled)
        {
            throw new InvalidOperationException($"{RedisOptions.Section}:Configuration is not set.");
        }

        Prefix = value.KeyPrefix;
        int timeoutMs = (int)Math.Clamp(value.OperationTimeout.TotalMilliseconds, 100, 60_000);
        _multiplexer = new Lazy<ConnectionMultiplexer>(() =>
        {
            ConfigurationOptions configuration = ConfigurationOptions.Parse(value.Configuration!);
            configuration.AbortOnConnectFail = false;
            configuration.ConnectTimeout = timeoutMs;
            configuration.SyncTimeout = timeoutMs;
            configuration.AsyncTimeout = timeoutMs;
            configuration.ClientName ??= "strongroom";
            return ConnectionMultiplexer.Connect(configuration);
        }, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The configured key prefix (e.g. <c>strongroom:</c>).</summary>
    public string Prefix { get; }

    public IDatabase Database => _multiplexer.Value.GetDatabase();

    public IConnectionMultiplexer Multiplexer => _multiplexer.Value;

    public RedisKey Key(string suffix) => Prefix + suffix;

    /// <summary>Runs a Redis command, turning any Redis failure into <see cref="SharedStateUnavailableException"/>.</summary>
    public T Run<T>(Func<IDatabase, T> command)
    {
        try
        {
            return command(Database);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw new SharedStateUnavailableException("The shared state store (Redis) is unavailable.", ex);
        }
    }

    /// <inheritdoc cref="Run{T}"/>
    public async Task<T> RunAsync<T>(Func<IDatabase, Task<T>> command)
    {
        try
        {
            return await command(Database);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw new SharedStateUnavailableException("The shared state store (Redis) is unavailable.", ex);
        }
    }

    /// <summary>Whether Redis answers a PING now (readiness).</summary>
    public async Task<bool> PingAsync()
    {
        try
        {
            await Database.PingAsync();
            return true;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (_multiplexer.IsValueCreated)
        {
            _multiplexer.Value.Dispose();
        }
    }

    // When Redis dies under load, a pending command can fail in more ways than RedisException, all seen in the fault test:
    // a cancelled task (the commands take no cancellation token, so the dropped connection cancelled it) and the pipe
    // refusing the write ("Writing is not allowed after writer was completed"). Each is Redis being unavailable.
    private static bool IsUnavailable(Exception ex) =>
        ex is RedisException or TimeoutException or ObjectDisposedException or OperationCanceledException or IOException or System.Net.Sockets.SocketException
        || (ex is InvalidOperationException && ex.Source is "System.IO.Pipelines" or "StackExchange.Redis");
}
