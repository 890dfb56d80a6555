namespace Strongroom.Server.Webhooks;

// Request bodies of /api/webhooks (snake_case on the wire), for the OpenAPI document only: the endpoints read the raw bytes.

/// <summary>Body of <c>POST /api/webhooks</c>: event_types defaults to ["*"].</summary>
internal sealed record WebhookCreateRequest(string Url, IReadOnlyList<string>? EventTypes = null, string? Description = null, bool? Enabled = null);

/// <summary>Body of <c>PATCH /api/webhooks/{id}</c>: only the fields given change.</summary>
internal sealed record WebhookUpdateRequest(string? Url = null, IReadOnlyList<string>? EventTypes = null, string? Description = null, bool? Enabled = null);

/// <summary>Optional body of <c>POST /api/webhooks/events/{eventId}/redeliver</c>.</summary>
internal sealed record WebhookRedeliverRequest(Guid? EndpointId = null);
