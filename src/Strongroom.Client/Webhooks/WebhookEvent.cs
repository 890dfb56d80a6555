using System.Text.Json;
using System.Text.Json.Serialization;

namespace Strongroom.Client.Webhooks;

/// <summary>
/// A delivered event. Deliveries are at least once and unordered: deduplicate on <see cref="Id"/>, order by
/// <see cref="CreatedAt"/> or the (time-ordered) id. <see cref="Data"/> holds ids, scheme, last four and expiry, never card data.
/// </summary>
public sealed record WebhookEvent(Guid Id, string Type, DateTimeOffset CreatedAt, Guid TenantId, string? SubjectId, JsonElement Data);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(WebhookEvent))]
internal sealed partial class WebhookJsonContext : JsonSerializerContext;
