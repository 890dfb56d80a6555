using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Abstractions;

namespace Strongroom.Server.Tests.Faults;

/// <summary>
/// Token creations against a set of nodes from concurrent workers until stopped. Each request carries a unique <c>seq</c>
/// in its metadata and as its idempotency key, and is retried as a patient client would: with the same key and body, on the
/// next node, after a connection failure, a 503 or a 409 "still in progress" (past the takeover of an abandoned reservation),
/// until it is acknowledged or <see cref="Patience"/> runs out. A token counts as acknowledged only on a 200 with its id.
/// Stopping ends the creation of new requests; requests already started are still seen through.
/// </summary>
public sealed class WriteLoad
{
    /// <summary>How long one request is retried before the client gives up (well past the reservation takeover and any outage a test makes).</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly Func<IReadOnlyList<HttpClient>> _targets;
    private readonly ConcurrentDictionary<string, string> _acknowledged = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, int> _statuses = new();
    private readonly ConcurrentQueue<string> _unexpected = new();
    private readonly ConcurrentDictionary<int, int> _acknowledgedByPort = new();
    private readonly ConcurrentDictionary<int, int> _inFlightByPort = new();
    private readonly ConcurrentQueue<(int Port, int Status, long Timestamp)> _answers = new();
    private int _sent;
    private int _connectionFailures;
    private int _retries;
    private int _gaveUp;
    private long _nextSeq;

    public WriteLoad(Func<IReadOnlyList<HttpClient>> targets) => _targets = targets;

    public int Sent => _sent;

    public int ConnectionFailures => _connectionFailures;

    /// <summary>Requests sent again with the same key (after a connection failure, a 503 or a 409 in progress).</summary>
    public int Retries => _retries;

    /// <summary>Creations the client stopped retrying without an answer (should stay 0).</summary>
    public int GaveUp => _gaveUp;

    /// <summary>seq → token id of every acknowledged creation.</summary>
    public IReadOnlyDictionary<string, string> Acknowledged => _acknowledged;

    public IReadOnlyDictionary<int, int> Statuses => _statuses;

    /// <summary>Acknowledgements per node (by port), e.g. <c>41234:120 41235:98</c>.</summary>
    public string AcknowledgedByNode => string.Join(' ', _acknowledgedByPort.OrderBy(p => p.Key).Select(p => $"{p.Key}:{p.Value}"));

    /// <summary>Responses that were neither 200, a clean dialect-shaped 503 nor a 409 in progress (should stay empty).</summary>
    public IReadOnlyCollection<string> Unexpected => _unexpected;

    /// <summary>Acknowledged creations so far that started after <paramref name="seq"/>.</summary>
    public int AcknowledgedAfter(long seq) => _acknowledged.Keys.Count(k => long.Parse(k.AsSpan(2), System.Globalization.CultureInfo.InvariantCulture) > seq);

    public long LastSeq => Interlocked.Read(ref _nextSeq);

    /// <summary>Every answer with the node's port and its <see cref="Stopwatch.GetTimestamp"/> time, in arrival order.</summary>
    public IReadOnlyCollection<(int Port, int Status, long Timestamp)> Answers => _answers;

    /// <summary>Requests being sent to the node on <paramref name="port"/> right now.</summary>
    public int InFlight(int port) => _inFlightByPort.GetValueOrDefault(port);

    public Task RunAsync(int workers, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(() => WorkerAsync(w, stop))));

    private async Task WorkerAsync(int worker, CancellationToken stop)
    {
        int turn = worker;
        while (!stop.IsCancellationRequested)
        {
            long seq = Interlocked.Increment(ref _nextSeq);
            string id = "s-" + seq.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Interlocked.Increment(ref _sent);
            string body = JsonSerializer.Serialize(new { source = TestCards.PanSource(), metadata = new { seq = id } });
            var patience = Stopwatch.StartNew();
            for (int attempt = 0; ; attempt++)
            {
                if (patience.Elapsed > Patience)
                {
                    Interlocked.Increment(ref _gaveUp);
                    break;
                }

                if (attempt > 0)
                {
                    Interlocked.Increment(ref _retries);
                }

                IReadOnlyList<HttpClient> targets = _targets();
                if (await SendAsync(targets[turn++ % targets.Count], id, body) is not TimeSpan retryAfter)
                {
                    break;
                }

                await Task.Delay(retryAfter, CancellationToken.None);
            }
        }
    }

    /// <summary>One attempt; returns how long to wait before retrying, or null when the creation has its answer.</summary>
    private async Task<TimeSpan?> SendAsync(HttpClient client, string id, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/pci/tokens") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("x-idempotency-key", id);
        int port = client.BaseAddress!.Port;
        _inFlightByPort.AddOrUpdate(port, 1, (_, n) => n + 1);
        try
        {
            using HttpResponseMessage response = await client.SendAsync(request, CancellationToken.None);
            _inFlightByPort.AddOrUpdate(port, 0, (_, n) => n - 1);
            _statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
            _answers.Enqueue((port, (int)response.StatusCode, Stopwatch.GetTimestamp()));
            string text = await response.Content.ReadAsStringAsync(CancellationToken.None);
            switch (response.StatusCode)
            {
                case HttpStatusCode.OK:
                    string tokenId = JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
                    if (!_acknowledged.TryAdd(id, tokenId) && _acknowledged[id] != tokenId)
                    {
                        _unexpected.Enqueue($"{id} acknowledged with two token ids: {_acknowledged[id]} and {tokenId}");
                    }

                    _acknowledgedByPort.AddOrUpdate(port, 1, (_, n) => n + 1);
                    return null;
                case HttpStatusCode.ServiceUnavailable:
                    if (!text.Contains("\"classifier\":\"SERVICE_UNAVAILABLE\"", StringComparison.Ordinal) || response.Headers.RetryAfter is null)
                    {
                        _unexpected.Enqueue($"503 without the Guardian shape: {text}");
                    }

                    return TimeSpan.FromMilliseconds(100);
                case HttpStatusCode.Conflict when text.Contains("still in progress", StringComparison.Ordinal):
                    // The key is reserved by a request that died with its node (or is still running): wait for it or its takeover.
                    return TimeSpan.FromMilliseconds(250);
                default:
                    _unexpected.Enqueue($"{(int)response.StatusCode}: {text}");
                    return null;
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            _inFlightByPort.AddOrUpdate(port, 0, (_, n) => n - 1);
            Interlocked.Increment(ref _connectionFailures);
            return TimeSpan.FromMilliseconds(50);
        }
    }

    /// <summary>Reads every acknowledged token back through <paramref name="readers"/> (round robin); returns how many were found intact.</summary>
    public async Task<int> CountFoundAsync(IReadOnlyList<HttpClient> readers)
    {
        int found = 0;
        int i = 0;
        foreach ((string seq, string id) in _acknowledged)
        {
            using HttpResponseMessage response = await readers[i++ % readers.Count].GetAsync($"/api/pci/tokens/{id}");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                JsonElement token = await response.Content.ReadFromJsonAsync<JsonElement>();
                if (token.GetProperty("metadata").GetProperty("seq").GetString() == seq
                    && token.GetProperty("card").GetProperty("masked_account_number").GetString() == "411111******1111")
                {
                    found++;
                }
            }
        }

        return found;
    }

    /// <summary>Lists every token of the tenant and counts the <c>seq</c> values stored more than once.</summary>
    public static async Task<(int Stored, int Duplicated)> CountStoredAsync(HttpClient reader)
    {
        var seqs = new Dictionary<string, int>(StringComparer.Ordinal);
        string? next = "/api/pci/tokens?limit=100";
        int stored = 0;
        while (next is not null)
        {
            using HttpResponseMessage response = await reader.GetAsync(next);
            response.EnsureSuccessStatusCode();
            JsonElement page = await response.Content.ReadFromJsonAsync<JsonElement>();
            foreach (JsonElement token in page.GetProperty("data").EnumerateArray())
            {
                stored++;
                string seq = token.GetProperty("metadata").GetProperty("seq").GetString()!;
                seqs[seq] = seqs.GetValueOrDefault(seq) + 1;
            }

            next = page.GetProperty("links").TryGetProperty("next", out JsonElement link) ? link.GetString() : null;
        }

        return (stored, seqs.Values.Count(n => n > 1));
    }
}

/// <summary>Prints a fault test's counts to the test output, to stdout and to <c>$STRONGROOM_FAULT_REPORT</c> (test.sh prints that file at the end).</summary>
public static class FaultReport
{
    private static readonly Lock FileLock = new();

    public static void Write(ITestOutputHelper output, string test, string line)
    {
        string text = $"{test}: {line}";
        output.WriteLine(text);
        Console.WriteLine("[fault] " + text);
        if (Environment.GetEnvironmentVariable("STRONGROOM_FAULT_REPORT") is { Length: > 0 } path)
        {
            lock (FileLock)
            {
                File.AppendAllText(path, text + Environment.NewLine);
            }
        }
    }
}

/// <summary>
/// A PostgreSQL cluster of the test's own (initdb in /tmp, as the <c>postgres</c> user when running as root, as test.sh does),
/// on a loopback port that survives restarts, so a test may stop and start it under load. Deleted on dispose.
/// </summary>
public sealed class TestPostgresCluster : IDisposable
{
    private readonly string _bin;
    private readonly string _directory;

    private TestPostgresCluster(string bin, string directory, int port)
    {
        _bin = bin;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Timeout=3;Command Timeout=10";

    public static string? Bin => Environment.GetEnvironmentVariable("STRONGROOM_TEST_PG_BIN") is { Length: > 0 } bin && File.Exists(Path.Combine(bin, "pg_ctl")) ? bin : null;

    public static async Task<TestPostgresCluster> CreateAsync(string bin)
    {
        string directory = Directory.CreateTempSubdirectory("strongroom-faultpg-").FullName;
        if (IsRoot)
        {
            await RunAsync("chown", ["postgres:", directory], asPostgres: false);
        }

        var cluster = new TestPostgresCluster(bin, directory, RedisSharedStateTests.FreePort());
        await RunAsync(Path.Combine(bin, "initdb"), ["-D", cluster.DataDirectory, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"], asPostgres: true);
        await cluster.StartAsync();
        return cluster;
    }

    private static bool IsRoot => string.Equals(Environment.UserName, "root", StringComparison.Ordinal);

    private string DataDirectory => Path.Combine(_directory, "data");

    public Task StartAsync() => RunAsync(Path.Combine(_bin, "pg_ctl"),
        ["-D", DataDirectory, "-l", Path.Combine(_directory, "postgres.log"), "-w", "-t", "60", "-o",
            $"-c listen_addresses=127.0.0.1 -c port={Port} -c unix_socket_directories='{_directory}' -c max_connections=100 -c fsync=off -c full_page_writes=off",
            "start"], asPostgres: true);

    /// <summary>Stops the server (<c>-m fast</c>: open sessions are terminated, as in a real restart).</summary>
    public Task StopAsync() => RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", DataDirectory, "-m", "fast", "-w", "-t", "30", "stop"], asPostgres: true);

    public void Dispose()
    {
        try
        {
            RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", DataDirectory, "-m", "immediate", "-w", "stop"], asPostgres: true).GetAwaiter().GetResult();
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
        catch (UnauthorizedAccessException)
        {
            // Best effort.
        }
    }

    private static async Task RunAsync(string file, string[] args, bool asPostgres)
    {
        var start = new ProcessStartInfo(asPostgres && IsRoot ? "runuser" : file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/tmp" };
        if (asPostgres && IsRoot)
        {
            foreach (string a in new[] { "-u", "postgres", "--", file })
            {
                start.ArgumentList.Add(a);
            }
        }

        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} exited with {process.ExitCode}: {await stdout}{await stderr}");
        }
    }
}
