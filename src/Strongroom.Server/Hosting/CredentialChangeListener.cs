using Strongroom.Adapters.Redis;
using Strongroom.Core.Storage;
using Strongroom.Core.Telemetry;
using Strongroom.Storage;

namespace Strongroom.Server.Hosting;

/// <summary>
/// Keeps this node's credential cache in step with the other nodes: with Redis configured it subscribes to the credential
/// channel there (<see cref="RedisCredentialChangeSubscriber"/>); otherwise, on PostgreSQL, it LISTENs for the NOTIFY each
/// revocation writes in its own transaction (<see cref="PostgresCredentialListener"/>); on SQLite (one node) there is nothing
/// to hear, and local changes invalidate the cache directly.
/// </summary>
internal sealed class CredentialChangeListener(IServiceProvider services, IVaultStore store) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (services.GetService<RedisCredentialChangeSubscriber>() is { } redis)
        {
            return redis.RunAsync(stoppingToken);
        }

        // The store may be wrapped by the telemetry decorator; the listener needs the engine underneath.
        IVaultStore engine = store is InstrumentedVaultStore instrumented ? instrumented.Inner : store;
        if (engine is PostgresVaultStore postgres)
        {
            return ActivatorUtilities.CreateInstance<PostgresCredentialListener>(services, postgres).RunAsync(stoppingToken);
        }

        return Task.CompletedTask;
    }
}
