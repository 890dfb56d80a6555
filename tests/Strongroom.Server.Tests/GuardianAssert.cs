using System.Net;
using System.Text.Json;

namespace Strongroom.Server.Tests;

internal static class GuardianAssert
{
    /// <summary>Asserts Guardian's error shape and returns the parsed body.</summary>
    public static async Task<JsonElement> ErrorAsync(HttpResponseMessage response, HttpStatusCode status, string classifier, string? message = null)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        JsonElement body = await response.Content.ReadFromJsonAsync();
        Assert.Equal((int)status, body.GetProperty("code").GetInt32());
        Assert.Equal(classifier, body.GetProperty("classifier").GetString());
        if (message is not null)
        {
            Assert.Equal(message, body.GetProperty("message").GetString());
        }

        return body;
    }

    /// <summary>Asserts a 422 that names <paramref name="path"/> among its validation errors.</summary>
    public static async Task<JsonElement> ValidationAsync(HttpResponseMessage response, string path)
    {
        JsonElement body = await ErrorAsync(response, HttpStatusCode.UnprocessableEntity, "VALIDATION_ERROR", "Validation error");
        string[] paths = body.GetProperty("validation_errors").EnumerateArray().Select(e => e.GetProperty("path").GetString()!).ToArray();
        Assert.Contains(path, paths);
        return body;
    }

    public static async Task<JsonElement> ReadFromJsonAsync(this HttpContent content) =>
        JsonDocument.Parse(await content.ReadAsStringAsync()).RootElement.Clone();
}
