using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Strongroom.Server.Tests.Webhooks;

/// <summary>One request as the receiver got it.</summary>
public sealed record ReceivedWebhook(IReadOnlyDictionary<string, string> Headers, byte[] Body, int AnsweredWith)
{
    public string Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out string? value) ? value : "";
}

/// <summary>
/// A real HTTP webhook receiver on 127.0.0.1 (Kestrel): records every request and answers with the next scripted status
/// (then 200 for ever), so a test can make it fail N times before it succeeds.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<int> _script = new();

    private WebhookReceiver(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }

    public ConcurrentQueue<ReceivedWebhook> Received { get; } = new();

    public static async Task<WebhookReceiver> StartAsync(params int[] firstAnswers)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        WebApplication app = builder.Build();
        WebhookReceiver? receiver = null;
        app.MapPost("/hooks", async (HttpContext http) =>
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body);
            int status = receiver!._script.TryDequeue(out int scripted) ? scripted : 200;
            receiver.Received.Enqueue(new ReceivedWebhook(
                http.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()), body.ToArray(), status));
            return Results.StatusCode(status);
        });
        await app.StartAsync();
        string address = app.Urls.First();
        receiver = new WebhookReceiver(app, address + "/hooks");
        foreach (int answer in firstAnswers)
        {
            receiver._script.Enqueue(answer);
        }

        return receiver;
    }

    /// <summary>Scripts the next answers (after any still queued).</summary>
    public void AnswerNext(params int[] statuses)
    {
        foreach (int status in statuses)
        {
            _script.Enqueue(status);
        }
    }

    /// <summary>Drops the scripted answers still queued: 200 from now on.</summary>
    public void ClearScript() => _script.Clear();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
