using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Strongroom.Core.Audit;
using Strongroom.Core.Keys;
using Strongroom.Core.SecurityCodes;
using Strongroom.Core.Webhooks;

namespace Strongroom.Core.Telemetry;

/// <summary>
/// Reads the vault's state gauges from the database every <c>interval</c> (a hosted service) and publishes them to
/// <see cref="VaultGauges"/>: a Prometheus scrape then costs no query, and a slow database never slows a scrape.
/// A query that fails leaves its gauge empty until the next reading, and is logged (type only).
/// </summary>
public sealed partial class VaultGaugeSampler(
    IWebhookStore webhooks,
    IAuditStore audit,
    IKeyRotationStore rotations,
    ISecurityCodeStore securityCodes,
    TimeSpan interval,
    ILogger<VaultGaugeSampler> logger) : BackgroundService
{
    private readonly Func<int?> _securityCodeCount = securityCodes is InMemorySecurityCodeStore memory ? () => memory.Count : () => null;

    /// <summary>Takes one reading now and publishes it (also what the tests call before a scrape).</summary>
    public async Task SampleAsync(CancellationToken cancellationToken)
    {
        WebhookBacklog? backlog = await ReadAsync("webhook_backlog", () => webhooks.CountWebhookBacklogAsync(cancellationToken));
        long? auditHead = await ReadAsync<long>("audit_head", async () => (await audit.GetLastAuditEntryAsync(cancellationToken))?.Seq ?? 0);
        RotationJobCounts? jobs = await ReadAsync("key_rotation_jobs", async () => Count(await rotations.ListRotationJobsAsync(null, cancellationToken)));
        VaultGauges.Publish(new VaultGaugeSample(backlog, auditHead, jobs));
    }

    /// <inheritdoc/>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        VaultGauges.ReportSecurityCodes(_securityCodeCount);
        return base.StartAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        VaultGauges.Retract(_securityCodeCount);
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
        do
        {
            try
            {
                await SampleAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private static RotationJobCounts Count(IReadOnlyList<RotationJob> jobs)
    {
        long running = 0, completed = 0, reencrypted = 0;
        foreach (RotationJob job in jobs)
        {
            if (job.Status == RotationJobStatus.Running)
            {
                running++;
                reencrypted += job.Reencrypted;
            }
            else
            {
                completed++;
            }
        }

        return new RotationJobCounts(running, completed, reencrypted);
    }

    private async Task<T?> ReadAsync<T>(string gauge, Func<Task<T>> read)
        where T : struct
    {
        try
        {
            return await read();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSampleFailed(logger, gauge, ex.GetType().Name);
            return null;
        }
    }

    [LoggerMessage(EventId = 2900, Level = LogLevel.Warning, Message = "Reading the {Gauge} gauge failed ({ExceptionType}); it reports nothing until the next reading")]
    private static partial void LogSampleFailed(ILogger logger, string gauge, string exceptionType);
}
