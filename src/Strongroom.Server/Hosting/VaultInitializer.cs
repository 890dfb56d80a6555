using Strongroom.Core.Crypto;
using Strongroom.Core.Storage;
using Strongroom.Core.Tenancy;
using Strongroom.Storage;

namespace Strongroom.Server.Hosting;

/// <summary>
/// Runs before the server takes traffic: applies migrations and makes sure an admin token exists,
/// printing a newly generated one exactly once to the console (not to the log pipeline, which may be
/// shipped elsewhere), then warms the node up (<see cref="StartupWarmup"/>) before it reports ready.
/// </summary>
internal sealed partial class VaultInitializer(
    IVaultStore store,
    StorageOptions storageOptions,
    AdminTokenService adminToken,
    IKeyProvider keyProvider,
    StartupWarmup warmup,
    ILogger<VaultInitializer> logger) : IHostedService
{
    private volatile bool _ready;

    public bool IsReady => _ready;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (storageOptions.MigrateOnStart)
        {
            await store.MigrateAsync(cancellationToken);
        }

        string? generated = await adminToken.EnsureInitializedAsync(cancellationToken);
        if (generated is not null)
        {
            Console.Out.WriteLine();
            Console.Out.WriteLine("  Strongroom generated an instance admin token. It is shown only now; store it safely:");
            Console.Out.WriteLine($"  x-admin-token: {generated}");
            Console.Out.WriteLine();
        }

        await warmup.RunAsync(cancellationToken);
        LogReady(logger, store.Engine, keyProvider.Name);
        _ready = true;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // Resolving the key provider in the constructor loads (or, in development, creates) the KEK at
    // start-up, so a missing or unreadable key fails the start rather than the first request.
    [LoggerMessage(Level = LogLevel.Information, Message = "Vault ready on the {Engine} store with the {KeyProvider} key provider")]
    private static partial void LogReady(ILogger logger, string engine, string keyProvider);
}
