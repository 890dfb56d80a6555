using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.OpenApi;

namespace Strongroom.Server.Hosting.OpenApi;

/// <summary>
/// Names every component schema's properties as its dialect writes them. The framework names properties with the one global
/// <c>JsonOptions</c> policy (camelCase), while each dialect serializes through its own context (<see cref="DialectNaming"/>):
/// here each property is renamed with that policy (an explicit <see cref="JsonPropertyNameAttribute"/> wins), and properties
/// the dialect omits when null stop being required. Done on the finished document: renaming inside a schema transformer
/// would hide the properties' own schemas from the framework's later visits, which look them up by the global names.
/// </summary>
internal static class WireNames
{
    private static readonly Dictionary<string, Type> WireTypes = typeof(WireNames).Assembly.GetTypes()
        .Where(type => !type.IsGenericType && type.Namespace?.StartsWith("Strongroom.Server", StringComparison.Ordinal) == true)
        .GroupBy(type => type.Name, StringComparer.Ordinal)
        .Where(group => group.Count() == 1)
        .ToDictionary(group => group.Key, group => group.Single(), StringComparer.Ordinal);

    public static void Apply(Microsoft.OpenApi.OpenApiDocument document)
    {
        foreach ((string name, IOpenApiSchema candidate) in document.Components?.Schemas ?? new Dictionary<string, IOpenApiSchema>())
        {
            if (candidate is OpenApiSchema { Properties.Count: > 0 } schema && WireTypes.TryGetValue(name, out Type? type))
            {
                Rename(schema, type);
            }
        }
    }

    /// <summary>A schema built outside the components (an operation's own request body): renamed here, nested records included.</summary>
    public static void RenameInline(OpenApiSchema schema, Type type)
    {
        foreach (System.Reflection.PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            Type nested = property.PropertyType.IsGenericType && property.PropertyType.GetGenericArguments() is [Type element] ? element : property.PropertyType;
            string generated = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);
            if (schema.Properties?.TryGetValue(generated, out IOpenApiSchema? propertySchema) == true && nested.Namespace?.StartsWith("Strongroom.Server", StringComparison.Ordinal) == true)
            {
                OpenApiSchema? inline = propertySchema switch
                {
                    OpenApiSchema { Properties.Count: > 0 } direct => direct,
                    OpenApiSchema { Items: OpenApiSchema { Properties.Count: > 0 } items } => items,
                    _ => null,
                };
                if (inline is not null)
                {
                    RenameInline(inline, nested);
                }
            }
        }

        if (schema.Properties is { Count: > 0 })
        {
            Rename(schema, type);
        }
    }

    private static void Rename(OpenApiSchema schema, Type type)
    {
        JsonNamingPolicy policy = DialectNaming.PolicyFor(type);
        var renamed = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
        var required = new HashSet<string>(StringComparer.Ordinal);
        var consumed = new HashSet<string>(StringComparer.Ordinal);
        foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            string? explicitName = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name;
            string generated = explicitName ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);
            string wireName = explicitName ?? policy.ConvertName(property.Name);
            if (!schema.Properties!.TryGetValue(generated, out IOpenApiSchema? propertySchema))
            {
                continue;
            }

            consumed.Add(generated);
            renamed[wireName] = propertySchema;
            if (property.GetCustomAttribute<AlsoIntegerAttribute>() is not null && propertySchema is OpenApiSchema { Type: { } jsonType } alsoInteger)
            {
                alsoInteger.Type = jsonType | JsonSchemaType.Integer;
            }

            bool omittedWhenNull = property.GetCustomAttribute<JsonIgnoreAttribute>() is { Condition: JsonIgnoreCondition.WhenWritingNull or JsonIgnoreCondition.WhenWritingDefault };
            if (schema.Required?.Contains(generated) == true && !omittedWhenNull)
            {
                required.Add(wireName);
            }
        }

        foreach ((string name, IOpenApiSchema propertySchema) in schema.Properties!)
        {
            if (!consumed.Contains(name))
            {
                renamed.TryAdd(name, propertySchema);
                if (schema.Required?.Contains(name) == true)
                {
                    required.Add(name);
                }
            }
        }

        schema.Properties = renamed;
        schema.Required = required;
    }
}
