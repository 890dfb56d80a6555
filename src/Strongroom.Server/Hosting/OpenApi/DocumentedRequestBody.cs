using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Strongroom.Server.Hosting.OpenApi;

/// <summary>
/// The request body an endpoint reads itself (from the raw bytes), for the document only. Unlike <c>Accepts&lt;T&gt;</c> it adds
/// no accepts metadata, so routing does not start answering 415 on a missing or other Content-Type: those endpoints keep
/// answering what they always did (e.g. WhiteBIT's 401 for an unsigned request).
/// </summary>
internal sealed record DocumentedRequestBody(Type Type, bool IsOptional);

internal static class DocumentedRequestBodyExtensions
{
    public static RouteHandlerBuilder DocumentsBody<T>(this RouteHandlerBuilder builder, bool isOptional = false) =>
        builder.WithMetadata(new DocumentedRequestBody(typeof(T), isOptional));
}

/// <summary>Puts each <see cref="DocumentedRequestBody"/> into its operation, named as the dialect writes it (<see cref="WireNames"/>).</summary>
internal sealed class DocumentedRequestBodyTransformer : IOpenApiOperationTransformer
{
    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (operation.RequestBody is not null
            || context.Description.ActionDescriptor.EndpointMetadata.OfType<DocumentedRequestBody>().LastOrDefault() is not { } body)
        {
            return;
        }

        OpenApiSchema schema = await context.GetOrCreateSchemaAsync(body.Type, null, cancellationToken);
        WireNames.RenameInline(schema, body.Type);
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = !body.IsOptional,
            Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal) { ["application/json"] = new OpenApiMediaType { Schema = schema } },
        };
    }
}
