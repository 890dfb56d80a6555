using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Strongroom.Server.Hosting.OpenApi;

/// <summary>
/// Integers are integers: the framework derives schemas from the global <c>JsonOptions</c>, which read numbers from strings
/// too (<c>type: [integer, string]</c> with a pattern), while the dialects write numbers, never numeric strings.
/// Property names are the business of <see cref="WireNames"/>, once the whole document exists.
/// </summary>
internal sealed class WireSchemaTransformer : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        NumbersAreNumbers(schema);
        return Task.CompletedTask;
    }

    /// <summary>Also walks the inline schemas below (items, map values, properties, alternatives).</summary>
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
}
