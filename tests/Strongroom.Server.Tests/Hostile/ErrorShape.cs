using System.Text.Json;

namespace Strongroom.Server.Tests.Hostile;

/// <summary>The route family of a path and the error shape its answers must use.</summary>
public static class ErrorShape
{
    public static Dialect Of(string path)
    {
        string p = path.ToLowerInvariant();
        if (p.StartsWith("/v2/tokens", StringComparison.Ordinal))
        {
            return Dialect.Tap;
        }

        return p.StartsWith("/api/v4", StringComparison.Ordinal) || p.StartsWith("/api/card-token", StringComparison.Ordinal) ? Dialect.WhiteBit : Dialect.Guardian;
    }

    /// <summary>Null when <paramref name="body"/> is an error in <paramref name="dialect"/>'s shape for <paramref name="status"/>; otherwise why not.</summary>
    public static string? Check(Dialect dialect, int status, string body)
    {
        if (body.Length == 0)
        {
            return "empty body";
        }

        JsonElement root;
        try
        {
            root = JsonDocument.Parse(body).RootElement;
        }
        catch (JsonException)
        {
            return "body is not JSON";
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            return "body is not a JSON object";
        }

        switch (dialect)
        {
            case Dialect.Guardian:
                return root.TryGetProperty("code", out JsonElement code) && code.ValueKind == JsonValueKind.Number && code.GetInt32() == status
                    && root.TryGetProperty("classifier", out JsonElement classifier) && classifier.ValueKind == JsonValueKind.String
                    && root.TryGetProperty("message", out JsonElement message) && message.ValueKind == JsonValueKind.String
                    ? null : "not Guardian's {code, classifier, message}";
            case Dialect.Tap:
                return root.TryGetProperty("errors", out JsonElement errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0
                    && errors[0].TryGetProperty("code", out JsonElement tapCode) && tapCode.ValueKind == JsonValueKind.String
                    && errors[0].TryGetProperty("description", out _)
                    ? null : "not Tap's {errors:[{code, description}]}";
            default:
                return root.TryGetProperty("code", out JsonElement wbCode) && wbCode.ValueKind == JsonValueKind.Number
                    && root.TryGetProperty("message", out JsonElement wbMessage) && wbMessage.ValueKind == JsonValueKind.String
                    ? null : "not WhiteBIT's {code, message}";
        }
    }

    /// <summary>Asserts a 4xx in the shape of the route family the request reached (its path after the client removed dot segments).</summary>
    public static async Task AssertErrorAsync(HttpResponseMessage response, string path)
    {
        string body = await response.Content.ReadAsStringAsync();
        int status = (int)response.StatusCode;
        Assert.True(status is >= 400 and < 500, $"{path}: expected a 4xx, got {status}: {body}");
        Dialect dialect = Of(response.RequestMessage?.RequestUri?.AbsolutePath ?? path);
        Assert.True(Check(dialect, status, body) is null, $"{path}: {status} {Check(dialect, status, body)} ({dialect}): {body}");
    }
}
