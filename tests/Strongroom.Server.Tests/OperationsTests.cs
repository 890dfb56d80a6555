using System.Net;
using System.Text.Json;

namespace Strongroom.Server.Tests;

public sealed class OperationsTests(StrongroomApplication app) : IClassFixture<StrongroomApplication>
{
    [Theory]
    [InlineData("/healthz", "ok")]
    [InlineData("/readyz", "ready")]
    public async Task HealthEndpoints_Return200WithStatus(string path, string status)
    {
        using HttpClient client = app.CreateClient();

        using HttpResponseMessage response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(status, (await response.Content.ReadFromJsonAsync()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheGuardianAndAdminEndpoints()
    {
        using HttpClient client = app.CreateClient();

        using HttpResponseMessage response = await client.GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement paths = (await response.Content.ReadFromJsonAsync()).GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/pci/tokens", out JsonElement tokens));
        Assert.True(tokens.TryGetProperty("post", out JsonElement post));
        Assert.Equal("pci_token_create", post.GetProperty("operationId").GetString());
        Assert.True(post.GetProperty("responses").TryGetProperty("422", out _));
        Assert.True(paths.TryGetProperty("/api/pci/tokens/{id}/security-code", out _));
        Assert.True(paths.TryGetProperty("/api/admin/api-keys", out _));
        JsonElement schemes = (await response.Content.ReadFromJsonAsync()).GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("x-api-key", schemes.GetProperty("APIKey").GetProperty("name").GetString());
        Assert.Equal("x-admin-token", schemes.GetProperty("AdminToken").GetProperty("name").GetString());
    }

    [Fact]
    public async Task InteractiveReference_IsServed()
    {
        using HttpClient client = app.CreateClient();

        using HttpResponseMessage response = await client.GetAsync("/scalar/v1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("text/html", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
    }
}
