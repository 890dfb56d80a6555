using Strongroom.Server.Guardian;

namespace Strongroom.Server.Hosting;

/// <summary>The OpenAPI document's title, description and security schemes.</summary>
internal static class OpenApiDocument
{
    public static IServiceCollection AddStrongroomOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Strongroom";
            document.Info.Description = "Self-hosted card tokenization vault. Guardian dialect: authenticate with x-api-key (tenant key) or x-admin-token (+ x-tenant-id).";
            document.Components ??= new Microsoft.OpenApi.OpenApiComponents();
            document.Components.SecuritySchemes = new Dictionary<string, Microsoft.OpenApi.IOpenApiSecurityScheme>
            {
                ["APIKey"] = new Microsoft.OpenApi.OpenApiSecurityScheme { Type = Microsoft.OpenApi.SecuritySchemeType.ApiKey, Name = GuardianAuthentication.ApiKeyHeader, In = Microsoft.OpenApi.ParameterLocation.Header },
                ["AdminToken"] = new Microsoft.OpenApi.OpenApiSecurityScheme { Type = Microsoft.OpenApi.SecuritySchemeType.ApiKey, Name = GuardianAuthentication.AdminTokenHeader, In = Microsoft.OpenApi.ParameterLocation.Header },
            };
            return Task.CompletedTask;
        }));
}
