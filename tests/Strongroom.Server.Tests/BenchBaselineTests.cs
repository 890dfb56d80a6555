using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Strongroom.Server.Tests;

/// <summary>The benchmark's ceiling endpoint (bench/run.sh) exists only when configured.</summary>
public sealed class BenchBaselineTests(StrongroomApplication app) : IClassFixture<StrongroomApplication>
{
    private static object Body => new { source = new { type = "pan", account_number = TestCards.Visa, expiry_month = 12, expiry_year = 2030 } };

    [Fact]
    public async Task BaselineEndpoint_IsNotFoundByDefault()
    {
        using HttpClient client = app.CreateClient();

        using HttpResponseMessage response = await client.PostAsJsonAsync("/bench/baseline", Body);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task BaselineEndpoint_WhenEnabled_SealsWithoutEchoingTheCard()
    {
        using var enabled = app.WithWebHostBuilder(builder => builder.UseSetting("Strongroom:Bench:BaselineEndpoint", "true"));
        using HttpClient client = enabled.CreateClient();

        using HttpResponseMessage response = await client.PostAsJsonAsync("/bench/baseline", Body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(TestCards.Visa, text, StringComparison.Ordinal);
        JsonElement json = JsonDocument.Parse(text).RootElement;
        Assert.Equal(TestCards.Visa.Length, json.GetProperty("length").GetInt32());
        Assert.Equal(TestCards.Visa.Length + 34, json.GetProperty("sealed_bytes").GetInt32());
    }
}
