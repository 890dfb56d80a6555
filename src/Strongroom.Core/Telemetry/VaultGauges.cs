using System.Diagnostics.Metrics;

namespace Strongroom.Core.Telemetry;

/// <summary>
/// The vault's state gauges (webhook backlog, audit-log head, key-rotation jobs, stored security codes). The instruments are
/// created once per process on the shared meter; they report the latest <see cref="VaultGaugeSample"/> of the
/// <see cref="VaultGaugeSampler"/> that runs in this process, so a scrape never waits on the database.
/// </summary>
internal static class VaultGauges
{
    private static VaultGaugeSample? _sample;
    private static Func<int?>? _securityCodes;

    static VaultGauges()
    {
        VaultMeter.Meter.CreateObservableGauge("strongroom.webhook.backlog", ObserveBacklog, "{item}",
            "Webhook work waiting: outbox events not relayed yet (kind=event) and deliveries pending (kind=delivery).");
        VaultMeter.Meter.CreateObservableGauge("strongroom.audit.head_seq", ObserveAuditHead, "{entry}",
            "Sequence number of the newest audit-log entry (0 when the log is empty).");
        VaultMeter.Meter.CreateObservableGauge("strongroom.key_rotation.jobs", ObserveRotationJobs, "{job}",
            "Data-key rotation jobs, by status (running, completed).");
        VaultMeter.Meter.CreateObservableGauge("strongroom.key_rotation.reencrypted", ObserveReencrypted, "{record}",
            "Records re-encrypted so far by the rotation jobs still running.");
        VaultMeter.Meter.CreateObservableGauge("strongroom.security_codes.stored", ObserveSecurityCodes, "{code}",
            "Security codes held in this node's memory (not reported when they live in Redis).");
    }

    /// <summary>Makes <paramref name="sample"/> the one the gauges report.</summary>
    public static void Publish(VaultGaugeSample sample) => Volatile.Write(ref _sample, sample);

    /// <summary>Where the security-code gauge reads its size (null: not reported).</summary>
    public static void ReportSecurityCodes(Func<int?>? count) => Volatile.Write(ref _securityCodes, count);

    /// <summary>Stops reporting (the sampler stopped), unless another sampler took over meanwhile.</summary>
    public static void Retract(Func<int?>? count)
    {
        Interlocked.CompareExchange(ref _securityCodes, null, count);
        Volatile.Write(ref _sample, null);
    }

    private static IEnumerable<Measurement<long>> ObserveBacklog()
    {
        if (Volatile.Read(ref _sample) is { Backlog: { } backlog })
        {
            yield return new(backlog.UndispatchedEvents, new KeyValuePair<string, object?>("kind", "event"));
            yield return new(backlog.PendingDeliveries, new KeyValuePair<string, object?>("kind", "delivery"));
        }
    }

    private static IEnumerable<Measurement<long>> ObserveAuditHead()
    {
        if (Volatile.Read(ref _sample) is { AuditHead: long head })
        {
            yield return new(head);
        }
    }

    private static IEnumerable<Measurement<long>> ObserveRotationJobs()
    {
        if (Volatile.Read(ref _sample) is { RotationJobs: { } jobs })
        {
            yield return new(jobs.Running, new KeyValuePair<string, object?>("status", "running"));
            yield return new(jobs.Completed, new KeyValuePair<string, object?>("status", "completed"));
        }
    }

    private static IEnumerable<Measurement<long>> ObserveReencrypted()
    {
        if (Volatile.Read(ref _sample) is { RotationJobs: { } jobs })
        {
            yield return new(jobs.ReencryptedByRunning);
        }
    }

    private static IEnumerable<Measurement<int>> ObserveSecurityCodes()
    {
        if (Volatile.Read(ref _securityCodes)?.Invoke() is int count)
        {
            yield return new(count);
        }
    }
}

/// <summary>One reading of the vault's state; a part is null when its query failed (the gauge then reports nothing rather than a stale value).</summary>
internal sealed record VaultGaugeSample(Webhooks.WebhookBacklog? Backlog, long? AuditHead, RotationJobCounts? RotationJobs);

/// <summary>Rotation jobs by status, and the records re-encrypted by the running ones.</summary>
internal readonly record struct RotationJobCounts(long Running, long Completed, long ReencryptedByRunning);
