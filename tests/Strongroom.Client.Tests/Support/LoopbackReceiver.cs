using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Strongroom.Client.Tests.Support;

/// <summary>One request as the receiver got it.</summary>
public sealed record ReceivedRequest(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string BodyText => System.Text.Encoding.UTF8.GetString(Body);

    public string Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out string? value) ? value : "";
}

/// <summary>
/// A real HTTP server on 127.0.0.1 (Kestrel) standing in for a payment processor (forward destination) or a webhook
/// receiver: records every request and answers with <see cref="AnswerStatus"/> and <see cref="AnswerBody"/>.
/// </summary>
public sealed class LoopbackReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackReceiver(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    public int AnswerStatus { get; set; } = 200;

    public string AnswerBody { get; set; } = """{"ok":true}""";

    public ConcurrentQueue<ReceivedRequest> Received { get; } = new();

    public Uri Url(string path) => new(BaseUrl + path);

    public static async Task<LoopbackReceiver> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        WebApplication app = builder.Build();
        LoopbackReceiver? receiver = null;
        app.Run(async http =>
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body);
            receiver!.Received.Enqueue(new ReceivedRequest(
                http.Request.Path, http.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()), body.ToArray()));
            http.Response.StatusCode = receiver.AnswerStatus;
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(receiver.AnswerBody);
        });
        await app.StartAsync();
        receiver = new LoopbackReceiver(app, app.Urls.First());
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
