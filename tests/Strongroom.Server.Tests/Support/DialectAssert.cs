using System.Net;
using System.Text.Json;

namespace Strongroom.Server.Tests;

public enum Dialect
{
    Guardian,
    Tap,
    WhiteBit,
}

/// <summary>Checks that a response is the clean 503 of a dialect: its own error shape, a Retry-After, no details.</summary>
public static class DialectAssert
{
    public static async Task ServiceUnavailableAsync(HttpResponseMessage response, Dialect dialect)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"expected 503 ({dialect}), got {(int)response.StatusCode}: {body}");
        Assert.True(response.Headers.RetryAfter is not null, "a 503 without Retry-After");
        JsonElement root = JsonDocument.Parse(body).RootElement;
        switch (dialect)
        {
            case Dialect.Guardian:
                Assert.Equal(503, root.GetProperty("code").GetInt32());
                Assert.Equal("SERVICE_UNAVAILABLE", root.GetProperty("classifier").GetString());
                break;
            case Dialect.Tap:
                Assert.Equal("1503", root.GetProperty("errors")[0].GetProperty("code").GetString());
                break;
            case Dialect.WhiteBit:
                Assert.Equal(503, root.GetProperty("code").GetInt32());
                Assert.True(root.TryGetProperty("message", out _));
                break;
        }

        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
    }
}
