using System.Diagnostics;
using System.Diagnostics.Metrics;
using Strongroom.Core.Webhooks;

namespace Strongroom.Core.Telemetry;

/// <summary>Webhook delivery attempts by outcome, dead letters, and the span of one delivery attempt.</summary>
public static class WebhookInstruments
{
    private static readonly Counter<long> Deliveries = VaultMeter.Meter.CreateCounter<long>(
        "strongroom.webhook.deliveries", "{attempt}", "Webhook delivery attempts, by outcome: succeeded, retrying (failed, will retry) or dead (failed, retries exhausted).");

    private static readonly Counter<long> DeadLetters = VaultMeter.Meter.CreateCounter<long>(
        "strongroom.webhook.dead_letters", "{delivery}", "Webhook deliveries dead-lettered after their retry window.");

    /// <summary>A span for one delivery attempt (event type and attempt number only; the URL, body and secret stay out).</summary>
    public static Activity? StartDelivery(string eventType, int attempt)
    {
        Activity? span = VaultTracing.Source.StartActivity("webhook.deliver", ActivityKind.Internal);
        span?.SetTag("strongroom.webhook.event_type", eventType);
        span?.SetTag("strongroom.webhook.attempt", attempt);
        return span;
    }

    /// <summary>Counts a recorded attempt whose delivery moved to <paramref name="status"/>.</summary>
    public static void Recorded(WebhookDeliveryStatus status, Activity? span)
    {
        string outcome = status switch
        {
            WebhookDeliveryStatus.Succeeded => "succeeded",
            WebhookDeliveryStatus.Dead => "dead",
            _ => "retrying",
        };
        Deliveries.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        if (status == WebhookDeliveryStatus.Dead)
        {
            DeadLetters.Add(1);
        }

        span?.SetTag("strongroom.webhook.outcome", outcome);
        if (status != WebhookDeliveryStatus.Succeeded)
        {
            span?.SetStatus(ActivityStatusCode.Error);
        }
    }
}
