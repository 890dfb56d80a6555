using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Strongroom.Core.Tenancy;

namespace Strongroom.Adapters.Redis;

/// <summary>
/// Subscribes to the vault's credential channel (<see cref="RedisCredentialChangePublisher"/>) and drops what each change
/// names from this node's <see cref="CredentialCache"/>. Pub/sub does not replay: whenever the connection fails or comes back
/// the whole cache is cleared, since a change may have been published meanwhile.
/// </summary>
public sealed partial class RedisCredentialChangeSubscriber(RedisConnection redis, CredentialCache cache, ILogger<RedisCredentialChangeSubscriber> logger)
{
    private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    /// <summary>Subscribes (retrying with backoff until Redis answers) and stays subscribed until <paramref name="stoppingToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        RedisChannel channel = RedisCredentialChangePublisher.Channel(redis);
        TimeSpan backoff = MinBackoff;
        ISubscriber? subscriber = null;
        IConnectionMultiplexer? multiplexer = null;
        try
        {
            while (true)
            {
                try
                {
                    multiplexer = redis.Multiplexer;
                    multiplexer.ConnectionFailed += OnConnectionChanged;
                    multiplexer.ConnectionRestored += OnConnectionChanged;
                    subscriber = multiplexer.GetSubscriber();
                    await subscriber.SubscribeAsync(channel, (_, message) => Apply(message));
                    break;
                }
#pragma warning disable CA1031 // Redis not reachable yet: keep trying; the cache lifetime bounds staleness meanwhile.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    Unhook(multiplexer);
                    subscriber = null;
                    LogSubscribeFailed(logger, ex.GetType().Name, backoff.TotalMilliseconds);
                    await Task.Delay(backoff, stoppingToken);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                }
            }

            // Changes published before the subscription took effect were not heard.
            cache.Clear();
            LogSubscribed(logger);
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            Unhook(multiplexer);
            if (subscriber is not null)
            {
                try
                {
                    await subscriber.UnsubscribeAsync(channel);
                }
#pragma warning disable CA1031 // Best effort while stopping.
                catch (Exception)
#pragma warning restore CA1031
                {
                }
            }
        }
    }

    private void Unhook(IConnectionMultiplexer? multiplexer)
    {
        if (multiplexer is not null)
        {
            multiplexer.ConnectionFailed -= OnConnectionChanged;
            multiplexer.ConnectionRestored -= OnConnectionChanged;
        }
    }

    private void OnConnectionChanged(object? sender, ConnectionFailedEventArgs e)
    {
        // Messages published while the subscription was down are gone for good (StackExchange.Redis re-subscribes by itself).
        cache.Clear();
        LogConnectionChanged(logger, e.FailureType.ToString());
    }

    private void Apply(RedisValue message)
    {
        if (CredentialChange.FromWire(message.IsNullOrEmpty ? null : (string?)message) is { } change)
        {
            cache.Invalidate(change);
        }
        else
        {
            cache.Clear();
        }
    }

    [LoggerMessage(EventId = 3112, Level = LogLevel.Information, Message = "Subscribed to credential changes on Redis")]
    private static partial void LogSubscribed(ILogger logger);

    [LoggerMessage(EventId = 3113, Level = LogLevel.Warning, Message = "Could not subscribe to credential changes on Redis ({Error}); retrying in {BackoffMs} ms")]
    private static partial void LogSubscribeFailed(ILogger logger, string error, double backoffMs);

    [LoggerMessage(EventId = 3114, Level = LogLevel.Warning, Message = "Redis connection changed ({FailureType}); credential cache cleared")]
    private static partial void LogConnectionChanged(ILogger logger, string failureType);
}
