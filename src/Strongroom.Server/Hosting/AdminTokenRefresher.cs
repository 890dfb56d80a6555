using Microsoft.Extensions.Options;
using Strongroom.Core.Tenancy;

namespace Strongroom.Server.Hosting;

/// <summary>
/// Re-reads the stored admin token hash every <see cref="AdminOptions.RefreshInterval"/>, so a token replaced by
/// <c>strongroom admin reset-token</c> (on this or any machine with access to the store) works on a running node, and
/// the lost one stops working, without a restart.
/// </summary>
internal sealed partial class AdminTokenRefresher(AdminTokenService adminToken, IOptions<AdminOptions> options, ILogger<AdminTokenRefresher> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (adminToken.IsConfigured || options.Value.RefreshInterval <= TimeSpan.Zero)
        {
            return;
        }

        // The real clock, not the injected TimeProvider: this is a polling period, not a vault deadline.
        using var timer = new PeriodicTimer(options.Value.RefreshInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await adminToken.RefreshAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The store may be briefly unavailable; the current token stays in force until the next tick.
                LogRefreshFailed(logger, ex.GetType().Name);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-reading the admin token failed ({ExceptionType}); retrying at the next interval")]
    private static partial void LogRefreshFailed(ILogger logger, string exceptionType);
}
