using System.Text.Json.Serialization;
using Strongroom.Core.InboundRoutes;

namespace Strongroom.Server.InboundProxy;

internal sealed record InboundRouteFieldsWire(
    string AccountNumber,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ExpiryMonth,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ExpiryYear,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SecurityCode,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? CardholderName);

/// <summary>An inbound route as the admin API shows it (the same names as the create body).</summary>
internal sealed record InboundRouteWire(
    Guid Id,
    Guid TenantId,
    string Prefix,
    string ProxyPath,
    string UpstreamUrl,
    string Method,
    string PathPattern,
    string ContentType,
    InboundRouteFieldsWire Fields,
    string Replacement,
    string Unmatched,
    string ErrorShape,
    int MaxBodyBytes,
    int RateLimitPerMinute,
    int TimeoutSeconds,
    string CreatedAt)
{
    public static InboundRouteWire Of(InboundRoute route)
    {
        InboundRouteRules rules = route.Rules;
        InboundCardFields f = rules.Fields;
        return new(route.Id, route.TenantId, route.Prefix, route.ProxyPath, route.Upstream.OriginalString, rules.Method, rules.PathPattern,
            InboundRouteNames.Of(rules.ContentType), new InboundRouteFieldsWire(f.AccountNumber, f.ExpiryMonth, f.ExpiryYear, f.SecurityCode, f.CardholderName),
            InboundRouteNames.Of(rules.Replacement), InboundRouteNames.Of(rules.Unmatched), InboundRouteNames.Of(rules.ErrorShape),
            rules.MaxBodyBytes, rules.RateLimitPerMinute, rules.TimeoutSeconds,
            route.CreatedAt.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
    }
}

internal sealed record InboundRouteListWire(IReadOnlyList<InboundRouteWire> Data);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(InboundRouteWire))]
[JsonSerializable(typeof(InboundRouteListWire))]
internal sealed partial class InboundRouteAdminJson : JsonSerializerContext;
