using System.Text.Json.Nodes;

namespace Strongroom.Server.Tests.OpenApi;

/// <summary>
/// A schema flattened to what two documents can be compared on: every property path (<c>card.expiry_month</c>,
/// <c>data[].id</c>) with its JSON types. <c>$ref</c>s are followed within the schema's own document and the branches of
/// <c>oneOf</c> / <c>anyOf</c> / <c>allOf</c> are merged, so a seed's per-source alternatives compare with our one record.
/// </summary>
internal static class SchemaShape
{
    public static Dictionary<string, HashSet<string>> Of(JsonNode? schema, JsonObject document)
    {
        var shape = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        Walk(schema, document, "", shape, depth: 0);
        return shape;
    }

    private static void Walk(JsonNode? node, JsonObject document, string prefix, Dictionary<string, HashSet<string>> shape, int depth)
    {
        if (node is not JsonObject schema || depth > 12)
        {
            return;
        }

        if (schema["$ref"]?.GetValue<string>() is { } reference)
        {
            JsonNode? target = document;
            foreach (string part in reference.TrimStart('#', '/').Split('/'))
            {
                target = target?[part];
            }

            Walk(target, document, prefix, shape, depth + 1);
            return;
        }

        foreach (string combinator in new[] { "oneOf", "anyOf", "allOf" })
        {
            foreach (JsonNode? branch in schema[combinator]?.AsArray() ?? [])
            {
                Walk(branch, document, prefix, shape, depth + 1);
            }
        }

        if (prefix.Length > 0)
        {
            HashSet<string> types = shape.TryGetValue(prefix, out HashSet<string>? known) ? known : shape[prefix] = new(StringComparer.Ordinal);
            types.UnionWith(TypesOf(schema));
        }

        foreach ((string name, JsonNode? property) in schema["properties"]?.AsObject() ?? [])
        {
            Walk(property, document, prefix.Length == 0 ? name : prefix + "." + name, shape, depth + 1);
        }

        if (schema["items"] is JsonNode items)
        {
            Walk(items, document, prefix + "[]", shape, depth + 1);
        }
    }

    private static IEnumerable<string> TypesOf(JsonObject schema) => schema["type"] switch
    {
        JsonArray many => many.Select(t => t!.GetValue<string>()).Where(t => t != "null"),
        JsonValue one when one.GetValue<string>() != "null" => [one.GetValue<string>()],
        _ => schema["properties"] is not null ? ["object"] : [],
    };
}
