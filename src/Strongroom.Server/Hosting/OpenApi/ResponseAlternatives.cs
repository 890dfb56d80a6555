using Microsoft.OpenApi;

namespace Strongroom.Server.Hosting.OpenApi;

/// <summary>
/// Operations whose success body depends on the request: creating a token from <c>source.type = session</c> answers the
/// session (<c>session_id</c>) instead of the token, as the seed's <c>oneOf</c> says.
/// </summary>
internal static class ResponseAlternatives
{
    private static readonly Dictionary<string, string[]> Alternatives = new(StringComparer.Ordinal)
    {
        ["pci_token_create"] = ["GuardianPciToken", "GuardianSession"],
        ["network_token_create"] = ["GuardianNetworkToken", "GuardianSession"],
    };

    public static void Apply(Microsoft.OpenApi.OpenApiDocument document)
    {
        foreach (OpenApiOperation operation in document.Paths.Values.SelectMany(item => item.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>()))
        {
            if (operation.OperationId is not { } id || !Alternatives.TryGetValue(id, out string[]? schemas)
                || operation.Responses?.TryGetValue("200", out IOpenApiResponse? ok) != true || ok is not OpenApiResponse { Content: { } content }
                || !content.TryGetValue("application/json", out OpenApiMediaType? media))
            {
                continue;
            }

            media.Schema = new OpenApiSchema { OneOf = [.. schemas.Select(name => (IOpenApiSchema)new OpenApiSchemaReference(name, document))] };
        }
    }
}
