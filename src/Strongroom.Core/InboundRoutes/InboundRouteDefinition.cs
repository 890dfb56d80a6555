using System.Text.Json;
using System.Text.Json.Serialization;

namespace Strongroom.Core.InboundRoutes;

/// <summary>The stored form of <see cref="InboundRouteRules"/>: one JSON document, so a new option is not a new column.</summary>
public static class InboundRouteDefinition
{
    public static string Serialize(InboundRouteRules rules) => JsonSerializer.Serialize(rules, InboundRouteJson.Default.InboundRouteRules);

    public static InboundRouteRules Deserialize(string json) =>
        JsonSerializer.Deserialize(json, InboundRouteJson.Default.InboundRouteRules) ?? throw new InvalidOperationException("An inbound route definition is empty.");
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, UseStringEnumConverter = true)]
[JsonSerializable(typeof(InboundRouteRules))]
internal sealed partial class InboundRouteJson : JsonSerializerContext;
