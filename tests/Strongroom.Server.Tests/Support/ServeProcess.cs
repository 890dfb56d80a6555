using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Strongroom.Server.Tests;

/// <summary>
/// <c>strongroom serve</c> as a new user starts it: a real process over an empty data directory on a free port, no admin
/// token configured, so the server generates one and prints it once (<see cref="GeneratedAdminToken"/>).
/// </summary>
public sealed partial class ServeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServeProcess(Process process, int port)
    {
        _process = process;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
    }

    public Uri BaseAddress { get; }

    /// <summary>The <c>x-admin-token</c> the server printed at first start.</summary>
    public string GeneratedAdminToken => AdminTokenLine().Match(Output) is { Success: true } match
        ? match.Groups[1].Value
        : throw new InvalidOperationException("The server printed no admin token:\n" + Output);

    /// <summary>Everything the server wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    [GeneratedRegex(@"x-admin-token: (sra_\S+)")]
    private static partial Regex AdminTokenLine();

    public static async Task<ServeProcess> StartAsync(string dataDirectory, IReadOnlyDictionary<string, string>? settings = null)
    {
        int port = RedisSharedStateTests.FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dataDirectory,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        start.Environment["Strongroom__Storage__DataDirectory"] = dataDirectory;
        start.Environment["DOTNET_gcServer"] = "0";
        foreach ((string name, string value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[name.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        Process process = Process.Start(start)!;
        var server = new ServeProcess(process, port);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var client = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"strongroom serve exited with {process.ExitCode} while starting:\n{server.Output}");
            }

            try
            {
                using HttpResponseMessage ready = await client.GetAsync("/readyz");
                if (ready.StatusCode == HttpStatusCode.OK)
                {
                    return server;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet, or slow on a busy machine.
            }

            await Task.Delay(200);
        }

        server.Dispose();
        throw new TimeoutException($"strongroom serve was not ready in 90 s:\n{server.Output}");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
