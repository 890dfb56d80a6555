using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Strongroom.Core.Cards;
using Strongroom.Server.Guardian;
using Strongroom.Server.Http;
using Strongroom.Server.Tap;

namespace Strongroom.Server.Tests;

/// <summary>
/// The core's last check (<see cref="FreeText.Require(string, string?)"/>) throws when an endpoint forgot to look
/// for a card number; each dialect's endpoint filter must answer that with its own validation error naming the
/// field, not a 500.
/// </summary>
public sealed class FreeTextBackstopTests : IDisposable
{
    private readonly StrongroomApplication app = new();

    public void Dispose() => app.Dispose();

    [Fact]
    public async Task GuardianFilter_CoreRefusesHeader_Returns422NamingTheHeader()
    {
        var filter = ActivatorUtilities.CreateInstance<GuardianAuthentication>(app.Services);
        var http = new DefaultHttpContext { RequestServices = app.Services };
        http.Request.Headers["x-admin-token"] = StrongroomApplication.AdminToken;

        object? result = await filter.InvokeAsync(new DefaultEndpointFilterInvocationContext(http), _ => throw new CardNumberInFreeTextException("x-idempotency-key"));

        JsonResponse response = Assert.IsType<JsonResponse>(result);
        Assert.Equal(422, response.Status);
        JsonElement root = JsonDocument.Parse(response.Body).RootElement;
        Assert.Equal("VALIDATION_ERROR", root.GetProperty("classifier").GetString());
        Assert.Equal("$.headers['x-idempotency-key']", root.GetProperty("validation_errors")[0].GetProperty("path").GetString());
    }

    [Fact]
    public async Task GuardianFilter_CoreRefusesBodyField_Returns422NamingThePath()
    {
        var filter = ActivatorUtilities.CreateInstance<GuardianAuthentication>(app.Services);
        var http = new DefaultHttpContext { RequestServices = app.Services };
        http.Request.Headers["x-admin-token"] = StrongroomApplication.AdminToken;

        object? result = await filter.InvokeAsync(new DefaultEndpointFilterInvocationContext(http), _ => throw new CardNumberInFreeTextException("title"));

        JsonResponse response = Assert.IsType<JsonResponse>(result);
        Assert.Equal(422, response.Status);
        Assert.Equal("$.title", JsonDocument.Parse(response.Body).RootElement.GetProperty("validation_errors")[0].GetProperty("path").GetString());
    }

    [Fact]
    public async Task TapFilter_CoreRefusesField_Returns400InTapShape()
    {
        TestTenant tenant = await app.CreateTenantAsync();
        var filter = ActivatorUtilities.CreateInstance<TapAuthentication>(app.Services);
        var http = new DefaultHttpContext { RequestServices = app.Services };
        http.Request.Headers.Authorization = "Bearer " + tenant.ApiKey;

        object? result = await filter.InvokeAsync(new DefaultEndpointFilterInvocationContext(http), _ => throw new CardNumberInFreeTextException("metadata"));

        JsonResponse response = Assert.IsType<JsonResponse>(result);
        Assert.Equal(400, response.Status);
        JsonElement error = JsonDocument.Parse(response.Body).RootElement.GetProperty("errors")[0];
        Assert.Equal("1100", error.GetProperty("code").GetString());
        Assert.Contains("metadata", error.GetProperty("description").GetString(), StringComparison.Ordinal);
    }
}
