using Microsoft.Extensions.Logging;
using Npgsql;
using Strongroom.Core.Tenancy;

namespace Strongroom.Storage;

/// <summary>
/// Listens on <see cref="PostgresVaultStore.CredentialChannel"/> over one dedicated connection and drops what each committed
/// credential change names from this node's <see cref="CredentialCache"/>. A notification is sent by the transaction that
/// made the change, so it arrives only after the commit and is never lost to a node dying between commit and publish. When
/// the connection breaks, the cache is cleared (changes may be missed while nobody listens) and the listener reconnects with
/// backoff, clearing again once it listens.
/// </summary>
public sealed partial class PostgresCredentialListener(PostgresVaultStore store, CredentialCache cache, ILogger<PostgresCredentialListener> logger)
{
    /// <summary>How long the connection may stay silent before a round trip checks it is still alive.</summary>
    public static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    /// <summary>Listens until <paramref name="stoppingToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        TimeSpan backoff = MinBackoff;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using NpgsqlConnection connection = await store.DataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) => Apply(e.Payload);
                await using (var listen = new NpgsqlCommand("LISTEN " + PostgresVaultStore.CredentialChannel, connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                // Whatever was committed before this LISTEN took effect was not heard: forget everything cached so far.
                cache.Clear();
                LogListening(logger);
                backoff = MinBackoff;
                while (true)
                {
                    if (!await connection.WaitAsync(KeepAliveInterval, stoppingToken))
                    {
                        // Quiet for a while: a round trip makes a dead connection (and a missed change) show up as an error.
                        await using var ping = new NpgsqlCommand("SELECT 1", connection);
                        await ping.ExecuteScalarAsync(stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Any failure of the listening connection has one answer: forget the cache, wait, reconnect.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                cache.Clear();
                LogLost(logger, ex.GetType().Name, backoff.TotalMilliseconds);
                try
                {
                    await Task.Delay(backoff, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    private void Apply(string payload)
    {
        if (CredentialChange.FromWire(payload) is { } change)
        {
            cache.Invalidate(change);
        }
        else
        {
            // Not a change this version understands (a newer node?): the safe reading is "anything may have changed".
            cache.Clear();
        }
    }

    [LoggerMessage(EventId = 2601, Level = LogLevel.Information, Message = "Listening for credential changes on PostgreSQL")]
    private static partial void LogListening(ILogger logger);

    [LoggerMessage(EventId = 2602, Level = LogLevel.Warning, Message = "Lost the PostgreSQL credential-change connection ({Error}); cache cleared, reconnecting in {BackoffMs} ms")]
    private static partial void LogLost(ILogger logger, string error, double backoffMs);
}
