using Microsoft.OpenApi;
using Strongroom.Server.Hosting.OpenApi;

namespace Strongroom.Server.Hosting;

/// <summary>
/// The OpenAPI document (<c>/openapi/v1.json</c>): schemas true to each dialect's wire (<see cref="WireNames"/>, <see cref="WireSchemaTransformer"/>),
/// each operation's security requirement (<see cref="SecuritySchemes"/>) and its dialect's error shape (<see cref="DialectErrorResponses"/>).
/// </summary>
internal static class OpenApiDocument
{
    public static IServiceCollection AddStrongroomOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.AddSchemaTransformer<WireSchemaTransformer>();
            options.AddOperationTransformer<DocumentedRequestBodyTransformer>();
            options.AddDocumentTransformer((document, _, _) =>
            {
                Describe(document);
                return Task.CompletedTask;
            });
        });

    private static void Describe(Microsoft.OpenApi.OpenApiDocument document)
    {
        document.Info.Title = "Strongroom";
        document.Info.Description =
            "Self-hosted card tokenization vault. Each dialect keeps its own wire conventions: Guardian, admin, webhooks and Tap are snake_case, " +
            "WhiteBIT v4 and the fiat gateway camelCase; each answers errors in its own shape. Guardian authenticates with x-api-key " +
            "(tenant key) or x-admin-token (+ x-tenant-id), Tap with a bearer API key, WhiteBIT v4 with signed X-TXC-* headers, the fiat gateway with a JWT.";
        foreach (OpenApiServer server in document.Servers ?? [])
        {
            // The framework names the server the request came to, with a trailing slash that would double every path's.
            server.Url = server.Url?.TrimEnd('/');
        }

        document.Tags = DocumentTags.All();
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes = SecuritySchemes.All();
        foreach ((string path, IOpenApiPathItem item) in document.Paths)
        {
            foreach (OpenApiOperation operation in item.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>())
            {
                operation.Security = SecuritySchemes.For(path, document);
                DialectErrorResponses.Apply(path, operation, document);
            }
        }

        WireNames.Apply(document);
        ResponseAlternatives.Apply(document);
    }
}
