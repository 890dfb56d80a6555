using Strongroom.Core.Events;

namespace Strongroom.Core.Webhooks;

/// <summary>
/// A tenant's webhook endpoint. <see cref="Secret"/> (and, for a while after a rotation, <see cref="PreviousSecret"/>)
/// is the signing secret sealed under the tenant's DEK: the vault must read it to sign, so it cannot be a hash.
/// </summary>
public sealed record WebhookEndpointRecord(
    Guid Id,
    Guid TenantId,
    string Url,
    string? Description,
    IReadOnlyList<string> EventTypes,
    bool Enabled,
    byte[] Secret,
    byte[]? PreviousSecret,
    DateTimeOffset? PreviousSecretExpiresAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

public enum WebhookDeliveryStatus
{
    /// <summary>Waiting for its next attempt (or being attempted now).</summary>
    Pending = 1,
    Succeeded = 2,

    /// <summary>Dead-lettered: every attempt within the retry window failed. Manual redelivery revives it.</summary>
    Dead = 3,
}

/// <summary>
/// One event on its way to one endpoint. <c>ClaimId</c> is set while a dispatcher holds it: the claim also
/// pushes <see cref="NextAttemptAt"/> out by the lease, so a delivery whose dispatcher died comes due again.
/// </summary>
public sealed record WebhookDelivery(
    Guid Id,
    Guid TenantId,
    Guid EventId,
    Guid EndpointId,
    WebhookDeliveryStatus Status,
    int Attempts,
    DateTimeOffset NextAttemptAt,
    DateTimeOffset DeadlineAt,
    int? LastStatusCode,
    string? LastError,
    DateTimeOffset CreatedAt,
    DateTimeOffset? CompletedAt);

/// <summary>One HTTP attempt of a delivery: what came back (status, or the transport error) and how long it took.</summary>
public sealed record WebhookAttempt(
    Guid Id,
    Guid DeliveryId,
    Guid TenantId,
    int Attempt,
    DateTimeOffset StartedAt,
    int DurationMs,
    int? StatusCode,
    string? Error,
    bool Succeeded);

/// <summary>An attempt as the API lists it: with the endpoint it went to.</summary>
public sealed record WebhookAttemptView(WebhookAttempt Attempt, Guid EndpointId);

/// <summary>A delivery a dispatcher has claimed, with everything needed to send it.</summary>
public sealed record ClaimedDelivery(WebhookDelivery Delivery, Guid ClaimId, VaultEvent Event, WebhookEndpointRecord Endpoint);

/// <summary>How an attempt ends a delivery's current state.</summary>
public sealed record WebhookAttemptOutcome(WebhookDeliveryStatus Status, DateTimeOffset NextAttemptAt);

/// <summary>The stored JSON form of an endpoint's event-type filters.</summary>
public static class WebhookEventTypesJson
{
    public static string Serialize(IReadOnlyList<string> types) =>
        System.Text.Json.JsonSerializer.Serialize(types.ToList(), CoreJson.Default.ListString);

    public static IReadOnlyList<string> Deserialize(string json) =>
        System.Text.Json.JsonSerializer.Deserialize(json, CoreJson.Default.ListString) ?? [];
}
