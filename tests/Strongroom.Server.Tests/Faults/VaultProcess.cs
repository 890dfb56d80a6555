using System.Diagnostics;
using System.Net;
using System.Text;

namespace Strongroom.Server.Tests.Faults;

/// <summary>
/// A real <c>strongroom serve</c> process on 127.0.0.1 (the built strongroom.dll under <c>dotnet</c>), configured through
/// <c>Strongroom__…</c> environment variables, so a test can <c>kill -9</c> it (<see cref="Kill"/> sends SIGKILL) and start another.
/// </summary>
public sealed class VaultProcess : IDisposable
{
    public const string AdminToken = "sra_fault-admin-token-0123456789abcdef";

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private VaultProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
    }

    public int Port { get; }

    public Uri BaseAddress { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the server wrote (for failure messages; the server's log is redacted).</summary>
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

    /// <summary>Starts a node and waits until <c>/readyz</c> answers 200 (or <paramref name="requireReady"/> is false and it answers at all).</summary>
    public static async Task<VaultProcess> StartAsync(string dataDirectory, IReadOnlyDictionary<string, string> settings, int? port = null, bool requireReady = true)
    {
        int listen = port ?? RedisSharedStateTests.FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dataDirectory,
        };
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{listen}");
        start.Environment["Strongroom__Storage__DataDirectory"] = dataDirectory;
        start.Environment["Strongroom__Admin__Token"] = AdminToken;
        start.Environment["Strongroom__RateLimit__PermitLimit"] = "1000000";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["DOTNET_gcServer"] = "0";
        start.Environment["DOTNET_TieredPGO"] = "0";
        foreach ((string name, string value) in settings)
        {
            start.Environment[name.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        Process process = Process.Start(start)!;
        var node = new VaultProcess(process, listen);
        process.OutputDataReceived += (_, e) => node.Append(e.Data);
        process.ErrorDataReceived += (_, e) => node.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var client = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The node exited with {process.ExitCode} while starting:\n{node.Output}");
            }

            try
            {
                using HttpResponseMessage ready = await client.GetAsync("/readyz");
                if (ready.StatusCode == HttpStatusCode.OK || !requireReady)
                {
                    return node;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Slow start on a busy machine.
            }

            await Task.Delay(200);
        }

        node.Kill();
        throw new TimeoutException($"The node did not become ready in 60 s:\n{node.Output}");
    }

    public HttpClient CreateClient(string? apiKey = null, bool admin = false)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(15) };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add("x-api-key", apiKey);
        }

        if (admin)
        {
            client.DefaultRequestHeaders.Add("x-admin-token", AdminToken);
        }

        return client;
    }

    /// <summary><c>kill -9</c>: SIGKILL to the process (and its children), no shutdown of any kind.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    public void Dispose()
    {
        Kill();
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
            if (_output.Length > 1_000_000)
            {
                _output.Remove(0, 500_000);
            }
        }
    }
}
