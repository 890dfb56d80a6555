using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Strongroom.Core.Events;

namespace Strongroom.Core.Webhooks;

/// <summary>An HTTP POST of a webhook, as the dispatcher hands it to the transport.</summary>
public sealed record WebhookRequest(Uri Url, byte[] Body, IReadOnlyList<KeyValuePair<string, string>> Headers);

/// <summary>What the receiver answered (<see cref="StatusCode"/>), or why nothing came back (<see cref="Error"/>: no secrets, no bodies).</summary>
public sealed record WebhookSendResult(int? StatusCode, string? Error);

/// <summary>Sends one webhook over HTTP. The server's implementation enforces the egress rules (SSRF checks, no redirects, timeouts).</summary>
public interface IWebhookTransport
{
    Task<WebhookSendResult> SendAsync(WebhookRequest request, CancellationToken cancellationToken);
}

/// <summary>What one pass of the dispatcher did.</summary>
public sealed record DispatchResult(int Relayed, int Attempted, int Succeeded, int Failed, int DeadLettered);

/// <summary>
/// Delivers the event outbox: relays new events into per-endpoint deliveries, then claims due deliveries and POSTs them,
/// signed, recording every attempt. A failure is retried with exponential backoff and full jitter until the delivery's
/// deadline (the retry window), then dead-lettered. All state is in the database, so a restart loses nothing: a delivery
/// claimed by a node that died comes due again when its lease runs out. At-least-once: a receiver dedups by event id.
/// </summary>
public sealed partial class WebhookDispatcher(
    IWebhookStore store,
    WebhookService webhooks,
    IWebhookTransport transport,
    TimeProvider time,
    IOptions<WebhookOptions> options,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const string EventIdHeader = "Strongroom-Event-Id";
    public const string EventTypeHeader = "Strongroom-Event-Type";
    public const string DeliveryIdHeader = "Strongroom-Delivery-Id";
    public const string AttemptHeader = "Strongroom-Delivery-Attempt";

    private const int MaxErrorLength = 300;

    /// <summary>One pass: relay every new event, then attempt the deliveries due now (one batch). Public for tests and the CLI.</summary>
    public async Task<DispatchResult> RunOnceAsync(CancellationToken cancellationToken)
    {
        WebhookOptions o = options.Value;
        int relayed = 0;
        int batch;
        do
        {
            batch = await store.RelayEventsAsync(time.GetUtcNowMilliseconds(), o.RetryWindow, o.BatchSize, cancellationToken);
            relayed += batch;
        }
        while (batch == o.BatchSize);

        DateTimeOffset now = time.GetUtcNowMilliseconds();
        IReadOnlyList<ClaimedDelivery> claimed = await store.ClaimDueDeliveriesAsync(Guid.NewGuid(), now, now + o.ClaimLease, o.BatchSize, cancellationToken);
        int succeeded = 0, failed = 0, dead = 0;
        await Parallel.ForEachAsync(claimed, new ParallelOptions { MaxDegreeOfParallelism = o.MaxConcurrency, CancellationToken = cancellationToken }, async (delivery, ct) =>
        {
            WebhookDeliveryStatus status = await DeliverAsync(delivery, ct);
            switch (status)
            {
                case WebhookDeliveryStatus.Succeeded: Interlocked.Increment(ref succeeded); break;
                case WebhookDeliveryStatus.Dead: Interlocked.Increment(ref dead); break;
                default: Interlocked.Increment(ref failed); break;
            }
        });

        return new DispatchResult(relayed, claimed.Count, succeeded, failed, dead);
    }

    /// <summary>The body of an event's webhook: the same bytes on every attempt, so a receiver can dedup and verify.</summary>
    public static byte[] Payload(VaultEvent vaultEvent)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", vaultEvent.Id);
            writer.WriteString("type", vaultEvent.Type);
            writer.WriteString("created_at", vaultEvent.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            writer.WriteString("tenant_id", vaultEvent.TenantId);
            writer.WriteString("subject_id", vaultEvent.SubjectId);
            writer.WritePropertyName("data");
            writer.WriteRawValue(vaultEvent.DataJson, skipInputValidation: true);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The delay before retry number <paramref name="failedAttempts"/>: exponential, capped, with full jitter in its upper half.</summary>
    public static TimeSpan RetryDelay(int failedAttempts, TimeSpan initial, TimeSpan max)
    {
        double exponential = initial.TotalMilliseconds * Math.Pow(2, Math.Min(failedAttempts - 1, 30));
        double capped = Math.Min(exponential, max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.5 + (Random.Shared.NextDouble() * 0.5)));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.DispatcherEnabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.PollInterval, time);
        do
        {
            try
            {
                // Drain: keep going while full batches come back, so a backlog does not wait for the timer.
                DispatchResult result;
                do
                {
                    result = await RunOnceAsync(stoppingToken);
                }
                while (result.Attempted == options.Value.BatchSize && !stoppingToken.IsCancellationRequested);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The database may be away for a moment: state is durable, the next tick picks up where this one stopped.
                LogPassFailed(logger, ex.GetType().Name);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task<WebhookDeliveryStatus> DeliverAsync(ClaimedDelivery claimed, CancellationToken cancellationToken)
    {
        WebhookOptions o = options.Value;
        WebhookDelivery delivery = claimed.Delivery;
        int attempt = delivery.Attempts + 1;
        using System.Diagnostics.Activity? span = Telemetry.WebhookInstruments.StartDelivery(claimed.Event.Type, attempt);
        byte[] body = Payload(claimed.Event);
        (string secret, string? previous) = await webhooks.OpenSecretsAsync(claimed.Endpoint, cancellationToken);
        DateTimeOffset started = time.GetUtcNowMilliseconds();
        var request = new WebhookRequest(new Uri(claimed.Endpoint.Url), body,
        [
            new(WebhookSignature.HeaderName, WebhookSignature.Header(started.ToUnixTimeSeconds(), body, secret, previous)),
            new(EventIdHeader, claimed.Event.Id.ToString()),
            new(EventTypeHeader, claimed.Event.Type),
            new(DeliveryIdHeader, delivery.Id.ToString()),
            new(AttemptHeader, attempt.ToString(CultureInfo.InvariantCulture)),
        ]);

        long startTimestamp = time.GetTimestamp();
        WebhookSendResult sent;
        try
        {
            sent = await transport.SendAsync(request, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            sent = new WebhookSendResult(null, "Delivery failed: " + ex.GetType().Name);
        }

        int durationMs = (int)Math.Min(int.MaxValue, time.GetElapsedTime(startTimestamp).TotalMilliseconds);
        bool success = sent.StatusCode is >= 200 and < 300;
        DateTimeOffset now = time.GetUtcNowMilliseconds();
        WebhookAttemptOutcome outcome;
        if (success)
        {
            outcome = new(WebhookDeliveryStatus.Succeeded, now);
        }
        else
        {
            DateTimeOffset next = now + RetryDelay(attempt, o.InitialRetryDelay, o.MaxRetryDelay);
            outcome = next > delivery.DeadlineAt ? new(WebhookDeliveryStatus.Dead, now) : new(WebhookDeliveryStatus.Pending, next);
        }

        string? error = success ? null : Truncate(sent.Error ?? $"The receiver answered HTTP {sent.StatusCode}.");
        var record = new WebhookAttempt(Guid.CreateVersion7(started), delivery.Id, delivery.TenantId, attempt, started, durationMs, sent.StatusCode, error, success);

        // Not the pass's token: the attempt happened, its record must not be lost to a shutdown.
        if (!await store.RecordWebhookAttemptAsync(record, claimed.ClaimId, outcome, CancellationToken.None))
        {
            LogClaimLost(logger, delivery.Id);
            return WebhookDeliveryStatus.Pending;
        }

        Telemetry.WebhookInstruments.Recorded(outcome.Status, span);

        if (outcome.Status == WebhookDeliveryStatus.Dead)
        {
            LogDeadLettered(logger, claimed.Event.Id, claimed.Endpoint.Id, attempt, error ?? "");
        }
        else if (!success)
        {
            LogRetrying(logger, claimed.Event.Id, claimed.Endpoint.Id, attempt, error ?? "", outcome.NextAttemptAt);
        }

        return outcome.Status;
    }

    private static string Truncate(string text) => text.Length <= MaxErrorLength ? text : text[..MaxErrorLength];

    [LoggerMessage(EventId = 2410, Level = LogLevel.Warning, Message = "Webhook pass failed ({ExceptionType}); retrying at the next tick")]
    private static partial void LogPassFailed(ILogger logger, string exceptionType);

    // The reason is the transport's own sentence (DNS, refused, timeout, TLS, blocked address) or the receiver's HTTP
    // status: an operator reading the log must not have to look the attempt up to learn why it failed.
    [LoggerMessage(EventId = 2411, Level = LogLevel.Information, Message = "Webhook delivery of event {EventId} to endpoint {EndpointId} failed (attempt {Attempt}): {Reason} Next attempt at {NextAttemptAt}")]
    private static partial void LogRetrying(ILogger logger, Guid eventId, Guid endpointId, int attempt, string reason, DateTimeOffset nextAttemptAt);

    [LoggerMessage(EventId = 2412, Level = LogLevel.Warning, Message = "Webhook delivery of event {EventId} to endpoint {EndpointId} dead-lettered after {Attempts} attempt(s); last failure: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, Guid eventId, Guid endpointId, int attempts, string reason);

    [LoggerMessage(EventId = 2413, Level = LogLevel.Warning, Message = "Webhook delivery {DeliveryId} was claimed by another dispatcher meanwhile; its attempt was not recorded")]
    private static partial void LogClaimLost(ILogger logger, Guid deliveryId);
}
