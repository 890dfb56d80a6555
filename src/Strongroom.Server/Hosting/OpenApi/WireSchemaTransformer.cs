using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Strongroom.Server.Hosting.OpenApi;

/// <summary>
/// Makes each generated schema describe the bytes its dialect writes. The framework derives schemas from one global
/// <c>JsonOptions</c> (camelCase, numbers readable from strings), while every dialect serializes through its own context:
/// property names are re-derived with the dialect's naming policy, properties omitted when null are not required,
/// and integers are integers (the dialects write numbers, never numeric strings).
/// </summary>
internal sealed class WireSchemaTransformer : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        NumbersAreNumbers(schema);
        if (context.JsonTypeInfo.Kind == JsonTypeInfoKind.Object && schema.Properties is { Count: > 0 })
        {
            RenameProperties(schema, context.JsonTypeInfo);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Also applied to the inline schemas under a renamed object: the framework matches a property's schema to its
    /// <see cref="JsonPropertyInfo"/> by the global name, so after a rename it no longer visits them itself.
    /// </summary>
    private static void NumbersAreNumbers(IOpenApiSchema? candidate)
    {
        if (candidate is not OpenApiSchema schema)
        {
            return;
        }

        NumbersAreNumbers(schema.Items);
        NumbersAreNumbers(schema.AdditionalProperties);
        foreach (IOpenApiSchema property in schema.Properties?.Values ?? Enumerable.Empty<IOpenApiSchema>())
        {
            NumbersAreNumbers(property);
        }

        foreach (IOpenApiSchema alternative in (schema.OneOf ?? []).Concat(schema.AnyOf ?? []))
        {
            NumbersAreNumbers(alternative);
        }

        if (schema.Type is { } type && type.HasFlag(JsonSchemaType.String) && (type.HasFlag(JsonSchemaType.Integer) || type.HasFlag(JsonSchemaType.Number)) && schema.Pattern is not null)
        {
            schema.Type = type & ~JsonSchemaType.String;
            schema.Pattern = null;
        }
    }

    private static void RenameProperties(OpenApiSchema schema, JsonTypeInfo typeInfo)
    {
        JsonNamingPolicy policy = DialectNaming.PolicyFor(typeInfo.Type);
        var renamed = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
        var required = new HashSet<string>(StringComparer.Ordinal);
        var consumed = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonPropertyInfo property in typeInfo.Properties)
        {
            MemberInfo? member = property.AttributeProvider as MemberInfo;
            string wireName = member is null || member.GetCustomAttribute<JsonPropertyNameAttribute>() is not null
                ? property.Name
                : policy.ConvertName(member.Name);

            // The same schema object can be visited more than once (as a type and as a property's type): accept either name.
            string? currentName = schema.Properties!.ContainsKey(property.Name) ? property.Name : schema.Properties.ContainsKey(wireName) ? wireName : null;
            if (currentName is null)
            {
                continue;
            }

            consumed.Add(currentName);
            renamed[wireName] = schema.Properties[currentName];
            if (member?.GetCustomAttribute<AlsoIntegerAttribute>() is not null && renamed[wireName] is OpenApiSchema { Type: { } type } alsoInteger)
            {
                alsoInteger.Type = type | JsonSchemaType.Integer;
            }

            bool omittedWhenNull = member?.GetCustomAttribute<JsonIgnoreAttribute>() is { Condition: JsonIgnoreCondition.WhenWritingNull or JsonIgnoreCondition.WhenWritingDefault };
            if (schema.Required?.Contains(currentName) == true && !omittedWhenNull)
            {
                required.Add(wireName);
            }
        }

        foreach ((string name, IOpenApiSchema propertySchema) in schema.Properties!)
        {
            if (!consumed.Contains(name))
            {
                renamed.TryAdd(name, propertySchema);
            }
        }

        schema.Properties = renamed;
        schema.Required = required;
    }
}
