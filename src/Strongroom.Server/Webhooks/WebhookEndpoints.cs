using Strongroom.Server.Hosting.OpenApi;
using System.Text.Json;
using System.Text.Json.Serialization;
using Strongroom.Core.Events;
using Strongroom.Core.Tenancy;
using Strongroom.Core.Webhooks;
using Strongroom.Server.Guardian;
using Strongroom.Server.Http;

namespace Strongroom.Server.Webhooks;

internal sealed record WebhookEndpointWire(
    Guid Id,
    string Url,
    string? Description,
    IReadOnlyList<string> EventTypes,
    bool Enabled,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Secret = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? PreviousSecretExpiresAt = null);

internal sealed record WebhookEndpointList(IReadOnlyList<WebhookEndpointWire> Data);

internal sealed record WebhookDeliveryWire(
    Guid Id,
    Guid EventId,
    Guid EndpointId,
    string Status,
    int Attempts,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? NextAttemptAt,
    DateTimeOffset DeadlineAt,
    int? LastStatusCode,
    string? LastError,
    DateTimeOffset CreatedAt,
    DateTimeOffset? CompletedAt);

internal sealed record WebhookDeliveryList(IReadOnlyList<WebhookDeliveryWire> Data);

internal sealed record WebhookEventWire(
    Guid Id,
    string Type,
    string SubjectId,
    DateTimeOffset CreatedAt,
    JsonElement Data,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<WebhookDeliveryWire>? Deliveries = null);

internal sealed record WebhookEventList(IReadOnlyList<WebhookEventWire> Data, bool HasMore);

internal sealed record WebhookAttemptWire(Guid Id, Guid DeliveryId, Guid EndpointId, int Attempt, DateTimeOffset AttemptedAt, int DurationMs, int? StatusCode, string? Error, bool Succeeded);

internal sealed record WebhookAttemptList(IReadOnlyList<WebhookAttemptWire> Data);

internal sealed record WebhookEventTypeList(IReadOnlyList<string> Data);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(WebhookEndpointWire))]
[JsonSerializable(typeof(WebhookEndpointList))]
[JsonSerializable(typeof(WebhookDeliveryList))]
[JsonSerializable(typeof(WebhookEventWire))]
[JsonSerializable(typeof(WebhookEventList))]
[JsonSerializable(typeof(WebhookAttemptList))]
[JsonSerializable(typeof(WebhookEventTypeList))]
internal sealed partial class WebhookJson : JsonSerializerContext;

/// <summary>
/// Per-tenant webhook endpoints (<c>/api/webhooks</c>), in the Guardian dialect: a tenant API key with <c>data:out</c>, or the
/// admin token with <c>x-tenant-id</c>. The signing secret is returned once, on create and on rotation. Also the delivery
/// log: events, deliveries (with the dead letters), every attempt, and manual redelivery.
/// </summary>
internal static class WebhookEndpoints
{
    public const string Path = "/api/webhooks";

    public static void MapWebhooks(this IEndpointRouteBuilder routes)
    {
        RouteGroupBuilder group = routes.MapGroup(Path)
            .WithTags("webhooks")
            .AddEndpointFilter<GuardianAuthentication>()
            .RequireRights(VaultRights.DataOut)
            .ProducesGuardianErrors();

        group.MapPost("/", CreateAsync).WithName("webhook_create").WithSummary("Create a webhook endpoint")
            .WithDescription("Body: url (https; plain http only to loopback with Strongroom:Webhooks:AllowInsecureLoopback), event_types (default [\"*\"]; a type, " +
                "a family such as pci_token.*, or *), description, enabled (default true). The response carries the signing secret (whsec_…), shown only here.")
            .Accepts<WebhookCreateRequest>("application/json").Produces<WebhookEndpointWire>(201);
        group.MapGet("/", ListAsync).WithName("webhook_list").WithSummary("The tenant's webhook endpoints").Produces<WebhookEndpointList>(200);
        group.MapGet("/event-types", () => Json(200, new WebhookEventTypeList(VaultEventTypes.All), WebhookJson.Default.WebhookEventTypeList))
            .WithName("webhook_event_types").WithSummary("Every event type the vault emits").Produces<WebhookEventTypeList>(200);
        group.MapGet("/events", ListEventsAsync).WithName("webhook_events").WithSummary("The tenant's events, oldest first")
            .WithDescription("Query: type, after (an event id: the page after it), limit (1–100, default 50).").Produces<WebhookEventList>(200);
        group.MapGet("/events/{eventId}", GetEventAsync).WithName("webhook_event").WithSummary("An event with its deliveries").Produces<WebhookEventWire>(200);
        group.MapGet("/events/{eventId}/attempts", AttemptsAsync).WithName("webhook_event_attempts")
            .WithSummary("Every delivery attempt of the event: endpoint, time, duration, status or error").Produces<WebhookAttemptList>(200);
        group.MapPost("/events/{eventId}/redeliver", RedeliverAsync).WithName("webhook_event_redeliver")
            .WithSummary("Send the event again now, with a fresh retry window (also revives a dead letter)")
            .WithDescription("Optional body: endpoint_id. Without it, every enabled endpoint subscribed to the event's type, including ones added after the event.")
            .DocumentsBody<WebhookRedeliverRequest>(isOptional: true)
            .Produces<WebhookDeliveryList>(202);
        group.MapGet("/{id}", GetAsync).WithName("webhook_get").WithSummary("A webhook endpoint").Produces<WebhookEndpointWire>(200);
        group.MapPatch("/{id}", UpdateAsync).WithName("webhook_update").WithSummary("Change url, event_types, description or enabled")
            .Accepts<WebhookUpdateRequest>("application/json").Produces<WebhookEndpointWire>(200);
        group.MapDelete("/{id}", DeleteAsync).WithName("webhook_delete").WithSummary("Delete the endpoint and its delivery log").Produces(204);
        group.MapPost("/{id}/rotate-secret", RotateAsync).WithName("webhook_rotate_secret")
            .WithSummary("A new signing secret, shown once; the previous one keeps signing alongside it for the grace period (Strongroom:Webhooks:SecretRotationGrace)")
            .Produces<WebhookEndpointWire>(200);
        group.MapGet("/{id}/deliveries", DeliveriesAsync).WithName("webhook_deliveries")
            .WithSummary("The endpoint's deliveries, newest first; status=dead lists its dead letters")
            .WithDescription("Query: status (pending | succeeded | dead), limit (1–100, default 50).").Produces<WebhookDeliveryList>(200);
    }

    private static async Task<JsonResponse> CreateAsync(HttpContext http, Caller caller, WebhookService webhooks)
    {
        Guid tenantId = caller.TenantId;
        (WebhookEndpointInput? input, JsonResponse? failure) = await ReadInputAsync(http);
        if (input is null)
        {
            return failure!;
        }

        WebhookResult result = await webhooks.CreateAsync(tenantId, input, http.GuardianActor(), http.RequestAborted);
        if (result.Outcome != WebhookOutcome.Done)
        {
            return Failure(result);
        }

        return Json(201, ToWire(http, result.Endpoint!, result.Secret), WebhookJson.Default.WebhookEndpointWire);
    }

    private static async Task<JsonResponse> ListAsync(HttpContext http, Caller caller, WebhookService webhooks) =>
        Json(200, new WebhookEndpointList([.. (await webhooks.ListAsync(caller.TenantId, http.RequestAborted)).Select(e => ToWire(http, e))]), WebhookJson.Default.WebhookEndpointList);

    private static async Task<JsonResponse> GetAsync(HttpContext http, Caller caller, string id, WebhookService webhooks) =>
        Guid.TryParse(id, out Guid endpointId) && await webhooks.GetAsync(caller.TenantId, endpointId, http.RequestAborted) is { } endpoint
            ? Json(200, ToWire(http, endpoint), WebhookJson.Default.WebhookEndpointWire)
            : GuardianResponses.NotFound();

    private static async Task<JsonResponse> UpdateAsync(HttpContext http, Caller caller, string id, WebhookService webhooks)
    {
        if (!Guid.TryParse(id, out Guid endpointId))
        {
            return GuardianResponses.NotFound();
        }

        (WebhookEndpointInput? input, JsonResponse? failure) = await ReadInputAsync(http);
        if (input is null)
        {
            return failure!;
        }

        Guid tenantId = caller.TenantId;
        WebhookResult result = await webhooks.UpdateAsync(tenantId, endpointId, input, http.GuardianActor(), http.RequestAborted);
        if (result.Outcome != WebhookOutcome.Done)
        {
            return Failure(result);
        }

        return Json(200, ToWire(http, result.Endpoint!), WebhookJson.Default.WebhookEndpointWire);
    }

    private static async Task<JsonResponse> DeleteAsync(HttpContext http, Caller caller, string id, WebhookService webhooks)
    {
        Guid tenantId = caller.TenantId;
        if (!Guid.TryParse(id, out Guid endpointId) || !await webhooks.DeleteAsync(tenantId, endpointId, http.GuardianActor(), http.RequestAborted))
        {
            return GuardianResponses.NotFound();
        }

        return JsonResponse.NoContent();
    }

    private static async Task<JsonResponse> RotateAsync(HttpContext http, Caller caller, string id, WebhookService webhooks)
    {
        Guid tenantId = caller.TenantId;
        if (!Guid.TryParse(id, out Guid endpointId))
        {
            return GuardianResponses.NotFound();
        }

        WebhookResult result = await webhooks.RotateSecretAsync(tenantId, endpointId, http.GuardianActor(), http.RequestAborted);
        if (result.Outcome != WebhookOutcome.Done)
        {
            return Failure(result);
        }

        return Json(200, ToWire(http, result.Endpoint!, result.Secret), WebhookJson.Default.WebhookEndpointWire);
    }

    private static async Task<JsonResponse> DeliveriesAsync(HttpContext http, Caller caller, string id, WebhookService webhooks)
    {
        if (!Guid.TryParse(id, out Guid endpointId) || await webhooks.GetAsync(caller.TenantId, endpointId, http.RequestAborted) is null)
        {
            return GuardianResponses.NotFound();
        }

        WebhookDeliveryStatus? status = null;
        if (http.Request.Query["status"].ToString() is { Length: > 0 } statusText)
        {
            if (ParseStatus(statusText) is not { } parsed)
            {
                return GuardianResponses.Validation("$.query.status", "Must be pending, succeeded or dead.");
            }

            status = parsed;
        }

        if (ReadLimit(http) is not int limit)
        {
            return GuardianResponses.Validation("$.query.limit", $"Must be an integer from 1 to {WebhookService.MaxPageSize}.");
        }

        IReadOnlyList<WebhookDelivery> deliveries = await webhooks.ListDeliveriesAsync(caller.TenantId, null, endpointId, status, limit, http.RequestAborted);
        return Json(200, new WebhookDeliveryList([.. deliveries.Select(ToWire)]), WebhookJson.Default.WebhookDeliveryList);
    }

    private static async Task<JsonResponse> ListEventsAsync(HttpContext http, Caller caller, WebhookService webhooks)
    {
        string? type = http.Request.Query["type"].ToString() is { Length: > 0 } t ? t : null;
        if (type is not null && !VaultEventTypes.All.Contains(type, StringComparer.Ordinal))
        {
            return GuardianResponses.Validation("$.query.type", "Unknown event type (GET /api/webhooks/event-types lists them).");
        }

        Guid? after = null;
        if (http.Request.Query["after"].ToString() is { Length: > 0 } afterText)
        {
            if (!Guid.TryParse(afterText, out Guid afterId))
            {
                return GuardianResponses.Validation("$.query.after", "Must be an event id.");
            }

            after = afterId;
        }

        if (ReadLimit(http) is not int limit)
        {
            return GuardianResponses.Validation("$.query.limit", $"Must be an integer from 1 to {WebhookService.MaxPageSize}.");
        }

        // One extra row tells whether another page exists.
        IReadOnlyList<VaultEvent> events = await webhooks.ListEventsAsync(caller.TenantId, type, after, limit + 1, http.RequestAborted);
        return Json(200, new WebhookEventList([.. events.Take(limit).Select(e => ToWire(e, null))], events.Count > limit), WebhookJson.Default.WebhookEventList);
    }

    private static async Task<JsonResponse> GetEventAsync(HttpContext http, Caller caller, string eventId, WebhookService webhooks)
    {
        if (!Guid.TryParse(eventId, out Guid id) || await webhooks.GetEventAsync(caller.TenantId, id, http.RequestAborted) is not { } vaultEvent)
        {
            return GuardianResponses.NotFound();
        }

        IReadOnlyList<WebhookDelivery> deliveries = await webhooks.ListDeliveriesAsync(caller.TenantId, id, null, null, WebhookService.MaxPageSize, http.RequestAborted);
        return Json(200, ToWire(vaultEvent, [.. deliveries.Select(ToWire)]), WebhookJson.Default.WebhookEventWire);
    }

    private static async Task<JsonResponse> AttemptsAsync(HttpContext http, Caller caller, string eventId, WebhookService webhooks)
    {
        if (!Guid.TryParse(eventId, out Guid id) || await webhooks.GetEventAsync(caller.TenantId, id, http.RequestAborted) is null)
        {
            return GuardianResponses.NotFound();
        }

        IReadOnlyList<WebhookAttemptView> attempts = await webhooks.ListAttemptsAsync(caller.TenantId, id, http.RequestAborted);
        return Json(200, new WebhookAttemptList([.. attempts.Select(a => new WebhookAttemptWire(a.Attempt.Id, a.Attempt.DeliveryId, a.EndpointId, a.Attempt.Attempt,
            a.Attempt.StartedAt, a.Attempt.DurationMs, a.Attempt.StatusCode, a.Attempt.Error, a.Attempt.Succeeded))]), WebhookJson.Default.WebhookAttemptList);
    }

    private static async Task<JsonResponse> RedeliverAsync(HttpContext http, Caller caller, string eventId, WebhookService webhooks)
    {
        Guid tenantId = caller.TenantId;
        if (!Guid.TryParse(eventId, out Guid id))
        {
            return GuardianResponses.NotFound();
        }

        Guid? endpointId = null;
        if (http.Request.ContentLength is > 0 || http.Request.Headers.TransferEncoding.Count > 0)
        {
            var reader = new GuardianRequestReader([]);
            (JsonDocument? document, JsonResponse? failure) = await reader.ReadObjectAsync(http);
            if (document is null)
            {
                return failure!;
            }

            using JsonDocument disposeDocument = document;
            string? endpointText = reader.String(document.RootElement, "endpoint_id", "$.endpoint_id", required: false);
            if (reader.Errors.Count > 0)
            {
                return GuardianResponses.Validation(reader.Errors);
            }

            if (endpointText is not null)
            {
                if (!Guid.TryParse(endpointText, out Guid parsed))
                {
                    return GuardianResponses.Validation("$.endpoint_id", "Must be a webhook endpoint id.");
                }

                endpointId = parsed;
            }
        }

        IReadOnlyList<WebhookDelivery>? deliveries = await webhooks.RedeliverAsync(tenantId, id, endpointId, http.GuardianActor(), http.RequestAborted);
        if (deliveries is null)
        {
            return GuardianResponses.NotFound();
        }

        return Json(202, new WebhookDeliveryList([.. deliveries.Select(ToWire)]), WebhookJson.Default.WebhookDeliveryList);
    }

    private static async Task<(WebhookEndpointInput? Input, JsonResponse? Failure)> ReadInputAsync(HttpContext http)
    {
        var reader = new GuardianRequestReader([]);
        (JsonDocument? document, JsonResponse? failure) = await reader.ReadObjectAsync(http);
        if (document is null)
        {
            return (null, failure);
        }

        using JsonDocument disposeDocument = document;
        JsonElement root = document.RootElement;
        string? url = reader.String(root, "url", "$.url", required: false);
        string? description = reader.String(root, "description", "$.description", required: false);
        bool? enabled = null;
        if (root.TryGetProperty("enabled", out JsonElement enabledElement))
        {
            if (enabledElement.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                enabled = enabledElement.GetBoolean();
            }
            else
            {
                reader.Errors.Add(new("$.enabled", "Must be true or false."));
            }
        }

        List<string>? types = null;
        if (root.TryGetProperty("event_types", out JsonElement typesElement))
        {
            if (typesElement.ValueKind != JsonValueKind.Array || typesElement.EnumerateArray().Any(t => t.ValueKind != JsonValueKind.String))
            {
                reader.Errors.Add(new("$.event_types", "Must be an array of strings."));
            }
            else
            {
                types = [.. typesElement.EnumerateArray().Select(t => t.GetString()!)];
            }
        }

        return reader.Errors.Count > 0
            ? (null, GuardianResponses.Validation(reader.Errors))
            : (new WebhookEndpointInput(url, description, types, enabled), null);
    }

    private static JsonResponse Failure(WebhookResult result) => result.Outcome switch
    {
        WebhookOutcome.NotFound => GuardianResponses.NotFound(),
        WebhookOutcome.LimitReached => GuardianResponses.Conflict("The tenant has reached its number of webhook endpoints."),
        _ => GuardianResponses.Validation([.. result.Errors!.Select(e => new GuardianValidationError(e.Path, e.Message))]),
    };


    private static int? ReadLimit(HttpContext http)
    {
        string text = http.Request.Query["limit"].ToString();
        if (text.Length == 0)
        {
            return 50;
        }

        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int limit) && limit is >= 1 and <= WebhookService.MaxPageSize
            ? limit
            : null;
    }

    private static WebhookDeliveryStatus? ParseStatus(string text) => text switch
    {
        "pending" => WebhookDeliveryStatus.Pending,
        "succeeded" => WebhookDeliveryStatus.Succeeded,
        "dead" => WebhookDeliveryStatus.Dead,
        _ => null,
    };

    private static string StatusName(WebhookDeliveryStatus status) => status switch
    {
        WebhookDeliveryStatus.Pending => "pending",
        WebhookDeliveryStatus.Succeeded => "succeeded",
        _ => "dead",
    };

    private static WebhookEndpointWire ToWire(HttpContext http, WebhookEndpointRecord e, string? secret = null) =>
        new(e.Id, e.Url, e.Description, e.EventTypes, e.Enabled, e.CreatedAt, e.UpdatedAt, secret,
            e.PreviousSecretExpiresAt > http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow() ? e.PreviousSecretExpiresAt : null);

    private static WebhookDeliveryWire ToWire(WebhookDelivery d) =>
        new(d.Id, d.EventId, d.EndpointId, StatusName(d.Status), d.Attempts, d.Status == WebhookDeliveryStatus.Pending ? d.NextAttemptAt : null, d.DeadlineAt,
            d.LastStatusCode, d.LastError, d.CreatedAt, d.CompletedAt);

    private static WebhookEventWire ToWire(VaultEvent e, IReadOnlyList<WebhookDeliveryWire>? deliveries)
    {
        using JsonDocument data = JsonDocument.Parse(e.DataJson);
        return new(e.Id, e.Type, e.SubjectId, e.CreatedAt, data.RootElement.Clone(), deliveries);
    }

    private static JsonResponse Json<T>(int status, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo) => GuardianResponses.Json(status, value, typeInfo);
}
