using System.Diagnostics;
using Strongroom.LoadGen.Scenarios;

namespace Strongroom.LoadGen;

/// <summary>One keep-alive HTTP/1.1 connection to one server, sending one request at a time, and its recorder.</summary>
internal sealed class Worker : IDisposable
{
    private readonly HttpClient _http;
    private readonly Scenario _scenario;

    public Worker(int index, Uri baseUrl, Scenario scenario)
    {
        Index = index;
        BaseUrl = baseUrl;
        _scenario = scenario;
        _http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 1,
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
        })
        {
            Timeout = TimeSpan.FromSeconds(10),
        };
    }

    public int Index { get; }

    public Uri BaseUrl { get; }

    public LatencyRecorder Recorder { get; } = new();

    /// <summary>Sends the scenario's next request; records it when <paramref name="measured"/>, timed from <paramref name="fromTicks"/>.</summary>
    public async Task SendAsync(long fromTicks, bool measured)
    {
        string? failure = null;
        try
        {
            using HttpRequestMessage request = _scenario.Create(BaseUrl, Index);
            using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead);
            if (!response.IsSuccessStatusCode)
            {
                failure = "http_" + ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        catch (TaskCanceledException)
        {
            failure = "timeout";
        }
        catch (HttpRequestException)
        {
            failure = "connection";
        }

        if (!measured)
        {
            return;
        }

        long done = Stopwatch.GetTimestamp();
        if (failure is null)
        {
            Recorder.Success(fromTicks, done);
        }
        else
        {
            Recorder.Failure(failure, fromTicks, done);
        }
    }

    public void Dispose() => _http.Dispose();
}
