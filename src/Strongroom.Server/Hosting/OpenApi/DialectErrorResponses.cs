using Microsoft.OpenApi;

namespace Strongroom.Server.Hosting.OpenApi;

/// <summary>
/// Every operation's error responses in its dialect's shape: declared error statuses without a body get the dialect's
/// error schema, and a <c>default</c> response covers the statuses the framework answers for any route (400, 405, 413,
/// 415, 429, 500, 503 ...), since <see cref="DialectErrors"/> writes those in the route's dialect too.
/// </summary>
internal static class DialectErrorResponses
{
    public static void Apply(string path, OpenApiOperation operation, Microsoft.OpenApi.OpenApiDocument document)
    {
        string schemaName = DialectErrors.ByPath(path).Dialect switch
        {
            ErrorDialect.Tap => "TapErrors",
            ErrorDialect.WhiteBit => "WhiteBitError",
            _ => "GuardianError",
        };
        if (document.Components?.Schemas?.ContainsKey(schemaName) != true)
        {
            return;
        }

        operation.Responses ??= [];
        if (path.EndsWith("/forward", StringComparison.Ordinal) || path.StartsWith("/inbound/", StringComparison.Ordinal))
        {
            PassedThrough(operation);
            return;
        }

        if (path.EndsWith("/form", StringComparison.Ordinal))
        {
            // The hosted form is a page for a browser: its errors are pages too.
            operation.Responses["default"] = new OpenApiResponse
            {
                Description = "An error page",
                Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
                {
                    ["text/html"] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
                },
            };
            return;
        }

        foreach ((string status, IOpenApiResponse response) in operation.Responses)
        {
            if (status.Length == 3 && status[0] is '4' or '5' && response is OpenApiResponse { Content: null or { Count: 0 } } bare)
            {
                bare.Content = ErrorContent(schemaName, document);
            }
        }

        operation.Responses["default"] = new OpenApiResponse
        {
            Description = "An error in the dialect's error shape",
            Content = ErrorContent(schemaName, document),
        };
    }

    /// <summary>
    /// A forward answers with the destination's response as it came (any status, any body), so no status can promise the
    /// vault's error shape: the vault's own refusals (401, 403, 404, 409, 422, 502, 504) share their statuses with the destination's.
    /// </summary>
    private static void PassedThrough(OpenApiOperation operation)
    {
        foreach (IOpenApiResponse response in operation.Responses!.Values)
        {
            if (response is OpenApiResponse concrete)
            {
                concrete.Content = AnyBody();
            }
        }

        operation.Responses["default"] = new OpenApiResponse
        {
            Description = "The destination's response passed through (status, body), or the vault's own refusal in the dialect's error shape",
            Content = AnyBody(),
        };
    }

    private static Dictionary<string, OpenApiMediaType> AnyBody() => new(StringComparer.Ordinal)
    {
        ["*/*"] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } },
    };

    private static Dictionary<string, OpenApiMediaType> ErrorContent(string schemaName, Microsoft.OpenApi.OpenApiDocument document) => new(StringComparer.Ordinal)
    {
        ["application/json"] = new OpenApiMediaType { Schema = new OpenApiSchemaReference(schemaName, document) },
    };
}
