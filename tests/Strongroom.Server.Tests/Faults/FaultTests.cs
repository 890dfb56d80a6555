using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Abstractions;

namespace Strongroom.Server.Tests.Faults;

/// <summary>
/// Durability and availability under faults, with real server processes on 127.0.0.1 (issue 8): a node killed with SIGKILL
/// among three on one PostgreSQL and Redis, the single SQLite node killed under write load, PostgreSQL restarted under load,
/// and Redis going away. Each test is bounded (about 10–30 s) and prints its counts: sent, acknowledged, found, duplicated.
/// The invariant everywhere: every acknowledged token is readable afterwards, exactly once.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class FaultTests(ITestOutputHelper output) : IDisposable
{
    private readonly List<IDisposable> _cleanup = [];

    [SkippableFact]
    public async Task ThreeNodes_OnePostgresAndRedis_Kill9OneNodeUnderLoad_EveryAcknowledgedTokenIsReadableOnceFromTheSurvivors()
    {
        Dictionary<string, string> settings = await SharedPostgresAndRedisSettingsAsync("fault");

        // The first node creates the shared key file and migrates; the others join it.
        VaultProcess first = Track(await VaultProcess.StartAsync(NewDirectory(), settings));
        VaultProcess[] others = await Task.WhenAll(VaultProcess.StartAsync(NewDirectory(), settings), VaultProcess.StartAsync(NewDirectory(), settings));
        VaultProcess[] nodes = [first, Track(others[0]), Track(others[1])];
        string apiKey = await CreateTenantAsync(first);
        HttpClient[] clients = nodes.Select(n => Track(n.CreateClient(apiKey))).ToArray();
        HttpClient[] survivors = [clients[0], clients[2]];

        bool killed = false;
        var load = new WriteLoad(() => Volatile.Read(ref killed) ? survivors : clients);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(12));
        Task running = load.RunAsync(workers: 6, stop.Token);
        await Task.Delay(TimeSpan.FromSeconds(5));
        // Kill while requests are being served there (waits at most 2 s for one to be in flight).
        var wait = Stopwatch.StartNew();
        while (load.InFlight(nodes[1].Port) == 0 && wait.Elapsed < TimeSpan.FromSeconds(2))
        {
            await Task.Delay(1);
        }

        int ackedBeforeKill = load.Acknowledged.Count;
        int inFlightAtKill = load.InFlight(nodes[1].Port);
        nodes[1].Kill(); // kill -9 mid-load, requests in flight
        Volatile.Write(ref killed, true);
        await running;

        int found = await load.CountFoundAsync(survivors);
        (int stored, int duplicated) = await WriteLoad.CountStoredAsync(survivors[1]);
        Report(nameof(ThreeNodes_OnePostgresAndRedis_Kill9OneNodeUnderLoad_EveryAcknowledgedTokenIsReadableOnceFromTheSurvivors), load, found, duplicated,
            $"stored={stored} acked_before_kill={ackedBeforeKill} in_flight_on_killed_node={inFlightAtKill} killed_port={nodes[1].Port}");

        Assert.True(nodes[1].HasExited);
        Assert.True(ackedBeforeKill > 0 && load.Acknowledged.Count > ackedBeforeKill, "the load did not run on both sides of the kill");
        AssertExactlyOnce(load, found, stored, duplicated);
    }

    [SkippableFact]
    public async Task TwoNodes_PostgresAndRedis_NodeRestartedUnderLoad_ServesFromReadinessWithoutA503()
    {
        Dictionary<string, string> settings = await SharedPostgresAndRedisSettingsAsync("restart");
        VaultProcess first = Track(await VaultProcess.StartAsync(NewDirectory(), settings));
        string secondDirectory = NewDirectory();
        VaultProcess second = Track(await VaultProcess.StartAsync(secondDirectory, settings));
        string apiKey = await CreateTenantAsync(first);
        HttpClient[] clients = [Track(first.CreateClient(apiKey)), Track(second.CreateClient(apiKey))];

        bool secondServing = true;
        var load = new WriteLoad(() => Volatile.Read(ref secondServing) ? clients : [clients[0]]);
        using var stop = new CancellationTokenSource();
        Task running = load.RunAsync(workers: 32, stop.Token); // 32 concurrent clients, as the independent check used
        await Task.Delay(TimeSpan.FromSeconds(3));
        Volatile.Write(ref secondServing, false);
        second.Kill();
        await Task.Delay(TimeSpan.FromSeconds(1));

        // Restart under the running load; the balancer sends it traffic as soon as /readyz answers 200.
        var starting = Stopwatch.StartNew();
        VaultProcess restarted = Track(await VaultProcess.StartAsync(secondDirectory, settings, second.Port));
        TimeSpan startToReady = starting.Elapsed;
        long readyAt = Stopwatch.GetTimestamp();
        Volatile.Write(ref secondServing, true);
        await Task.Delay(TimeSpan.FromSeconds(5));
        await stop.CancelAsync();
        await running;

        (int Port, int Status, long Timestamp)[] afterReady = [.. load.Answers.Where(a => a.Port == restarted.Port && a.Timestamp >= readyAt)];
        int unavailableAfterReady = afterReady.Count(a => a.Status == 503);
        TimeSpan? firstServed = afterReady.Where(a => a.Status == 200).Select(a => (TimeSpan?)Stopwatch.GetElapsedTime(readyAt, a.Timestamp)).FirstOrDefault();
        int found = await load.CountFoundAsync(clients);
        (int stored, int duplicated) = await WriteLoad.CountStoredAsync(clients[0]);
        Report(nameof(TwoNodes_PostgresAndRedis_NodeRestartedUnderLoad_ServesFromReadinessWithoutA503), load, found, duplicated,
            $"stored={stored} start_to_ready={startToReady.TotalSeconds:0.0}s first_served_after_ready={firstServed?.TotalMilliseconds:0}ms " +
            $"answers_after_ready={afterReady.Length} status503_after_ready={unavailableAfterReady}");

        Assert.Equal(0, unavailableAfterReady);
        Assert.NotNull(firstServed);
        // The target is 2 s (docs/deployment.md reports the measured figure); the bound here leaves room for a loaded CI machine.
        Assert.True(firstServed < TimeSpan.FromSeconds(5), $"the restarted node first served {firstServed} after readiness");
        AssertExactlyOnce(load, found, stored, duplicated);
    }

    [SkippableFact]
    public async Task SqliteNode_Kill9UnderWriteLoad_AfterRestartEveryAcknowledgedTokenIsThere()
    {
        string data = NewDirectory();
        var settings = new Dictionary<string, string> { ["Strongroom:Storage:Provider"] = "sqlite" };
        VaultProcess node = Track(await VaultProcess.StartAsync(data, settings));
        string apiKey = await CreateTenantAsync(node);
        HttpClient client = Track(node.CreateClient(apiKey));

        var load = new WriteLoad(() => [client]);
        using var stop = new CancellationTokenSource();
        Task running = load.RunAsync(workers: 6, stop.Token);
        await Task.Delay(TimeSpan.FromSeconds(4));
        int ackedBeforeKill = load.Acknowledged.Count;
        node.Kill(); // kill -9 with writes in flight: no checkpoint, no shutdown

        // The clients keep retrying the requests in flight (same keys) until the node is back on the same port.
        VaultProcess restarted = Track(await VaultProcess.StartAsync(data, settings, node.Port));
        await Task.Delay(TimeSpan.FromSeconds(2));
        await stop.CancelAsync();
        await running;
        HttpClient after = Track(restarted.CreateClient(apiKey));
        int found = await load.CountFoundAsync([after]);
        (int stored, int duplicated) = await WriteLoad.CountStoredAsync(after);
        Report(nameof(SqliteNode_Kill9UnderWriteLoad_AfterRestartEveryAcknowledgedTokenIsThere), load, found, duplicated, $"stored={stored} acked_before_kill={ackedBeforeKill}");

        Assert.True(ackedBeforeKill > 0, "nothing was acknowledged before the kill");
        Assert.True(load.Acknowledged.Count > ackedBeforeKill, "nothing was acknowledged after the restart");
        AssertExactlyOnce(load, found, stored, duplicated);
    }

    [SkippableFact]
    public async Task PostgresRestartedUnderLoad_RequestsFailWithA503_AndTheSameNodeRecovers()
    {
        string? bin = TestPostgresCluster.Bin;
        if (bin is null)
        {
            Skip.If(!PostgresTestEnvironment.IsCi, "STRONGROOM_TEST_PG_BIN is not set (run ./test.sh); skipped locally, fails on CI.");
            throw new InvalidOperationException("STRONGROOM_TEST_PG_BIN is not set but CI=true: the PostgreSQL restart test must run on CI.");
        }

        using TestPostgresCluster cluster = await TestPostgresCluster.CreateAsync(bin);
        var settings = new Dictionary<string, string>
        {
            ["Strongroom:Storage:Provider"] = "postgres",
            ["Strongroom:Storage:ConnectionString"] = cluster.ConnectionString,
        };
        VaultProcess node = Track(await VaultProcess.StartAsync(NewDirectory(), settings));
        string apiKey = await CreateTenantAsync(node);
        HttpClient client = Track(node.CreateClient(apiKey));
        HttpClient ops = Track(node.CreateClient());

        var load = new WriteLoad(() => [client]);
        using var stop = new CancellationTokenSource();
        Task running = load.RunAsync(workers: 4, stop.Token);
        await Task.Delay(TimeSpan.FromSeconds(3));

        await cluster.StopAsync();
        bool sawNotReady = await WaitForReadyzAsync(ops, HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(15));
        await Task.Delay(TimeSpan.FromSeconds(2));
        long lastSeqWhileDown = load.LastSeq;
        await cluster.StartAsync();
        var recovery = Stopwatch.StartNew();
        bool readyAgain = await WaitForReadyzAsync(ops, HttpStatusCode.OK, TimeSpan.FromSeconds(30));
        TimeSpan recoveredIn = recovery.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(3));
        await stop.CancelAsync();
        await running;

        int found = await load.CountFoundAsync([client]);
        (int stored, int duplicated) = await WriteLoad.CountStoredAsync(client);
        int unavailable = load.Statuses.GetValueOrDefault(503);
        int ackedAfterRestart = load.AcknowledgedAfter(lastSeqWhileDown);
        Report(nameof(PostgresRestartedUnderLoad_RequestsFailWithA503_AndTheSameNodeRecovers), load, found, duplicated,
            $"stored={stored} status503={unavailable} acked_after_restart={ackedAfterRestart} ready_again_in={recoveredIn.TotalSeconds:0.0}s");

        Assert.True(sawNotReady, "/readyz did not report the database down");
        Assert.True(readyAgain, "/readyz did not recover without a restart of the node");
        Assert.False(node.HasExited, "the node died with the database");
        Assert.True(unavailable > 0, "no request failed while PostgreSQL was down");
        Assert.Empty(load.Unexpected); // every failure was a clean Guardian-shaped 503, none a 500
        Assert.True(ackedAfterRestart > 0, "the node did not serve again after PostgreSQL came back");
        AssertExactlyOnce(load, found, stored, duplicated);
    }

    [SkippableFact]
    public async Task RedisGoesAwayUnderLoad_RequestsFailClosedWith503_AndRecoverWhenItReturns()
    {
        string? skip = RedisTestEnvironment.SkipReason(needServerBinary: true);
        Skip.If(skip is not null, skip);
        int redisPort = RedisSharedStateTests.FreePort();
        Process redis = StartRedis(redisPort);
        var settings = new Dictionary<string, string>
        {
            ["Strongroom:Storage:Provider"] = "sqlite",
            ["Strongroom:Redis:Configuration"] = $"127.0.0.1:{redisPort}",
            ["Strongroom:Redis:OperationTimeout"] = "00:00:00.500",
        };
        VaultProcess node = Track(await VaultProcess.StartAsync(NewDirectory(), settings));
        string apiKey = await CreateTenantAsync(node);
        HttpClient client = Track(node.CreateClient(apiKey));
        HttpClient ops = Track(node.CreateClient());

        var load = new WriteLoad(() => [client]);
        using var stop = new CancellationTokenSource();
        Task running = load.RunAsync(workers: 4, stop.Token);
        await Task.Delay(TimeSpan.FromSeconds(2));
        await WaitUntilAsync(() => load.Acknowledged.Count >= 10, TimeSpan.FromSeconds(30)); // a loaded machine warms up slowly

        redis.Kill(entireProcessTree: true); // Redis gone (kill -9): nonces and rate limits must fail closed
        await redis.WaitForExitAsync();
        redis.Dispose();
        bool sawNotReady = await WaitForReadyzAsync(ops, HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(10));
        await Task.Delay(TimeSpan.FromSeconds(2));
        int acknowledgedBeforeRestart = load.Acknowledged.Count;
        long lastSeqWhileDown = load.LastSeq;
        redis = StartRedis(redisPort);
        var recovery = Stopwatch.StartNew();
        bool readyAgain = await WaitForReadyzAsync(ops, HttpStatusCode.OK, TimeSpan.FromSeconds(20));
        TimeSpan recoveredIn = recovery.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(2));
        await stop.CancelAsync();
        await running;
        _cleanup.Add(new Cleanup(() =>
        {
            redis.Kill(entireProcessTree: true);
            redis.Dispose();
        }));

        int found = await load.CountFoundAsync([client]);
        (int stored, int duplicated) = await WriteLoad.CountStoredAsync(client);
        int unavailable = load.Statuses.GetValueOrDefault(503);
        Report(nameof(RedisGoesAwayUnderLoad_RequestsFailClosedWith503_AndRecoverWhenItReturns), load, found, duplicated,
            $"stored={stored} status503={unavailable} acked_after_redis_back={load.AcknowledgedAfter(lastSeqWhileDown)} ready_again_in={recoveredIn.TotalSeconds:0.0}s");

        Assert.True(sawNotReady, "/readyz did not report Redis down");
        Assert.True(readyAgain, "/readyz did not recover when Redis came back");
        Assert.True(unavailable > 0, "no request was refused while Redis was down: the rate limit did not fail closed");
        if (Environment.GetEnvironmentVariable("STRONGROOM_TEST_DUMP_NODE") is { Length: > 0 } dump)
        {
            await File.WriteAllTextAsync(dump, node.Output);
        }

        Assert.True(load.Unexpected.Count == 0, string.Join("\n", load.Unexpected) + "\nnode errors:\n" +
            string.Join("\n", node.Output.Split('\n').Where(line => (line.Contains("\"Error\"", StringComparison.Ordinal) || line.Contains("\"Warning\"", StringComparison.Ordinal) || line.Contains("\"Critical\"", StringComparison.Ordinal)) && !line.Contains("\"exception_type\":\"Strongroom.Server.Distributed.SharedStateUnavailableException\"", StringComparison.Ordinal)).Take(10)));
        Assert.True(load.AcknowledgedAfter(lastSeqWhileDown) > 0, "the node did not serve again after Redis came back");
        Assert.True(acknowledgedBeforeRestart > 0);
        AssertExactlyOnce(load, found, stored, duplicated);
    }

    /// <summary>
    /// Exactly once: every creation got its answer (the client never gave up), every acknowledged token reads back, no key
    /// stored two tokens, and nothing is stored that the clients were not told about (a failed attempt stored nothing).
    /// </summary>
    private static void AssertExactlyOnce(WriteLoad load, int found, int stored, int duplicated)
    {
        Assert.Empty(load.Unexpected);
        Assert.Equal(0, load.GaveUp);
        Assert.Equal(load.Acknowledged.Count, found);
        Assert.Equal(0, duplicated);
        Assert.Equal(load.Acknowledged.Count, stored);
        Assert.Equal(load.Sent, load.Acknowledged.Count);
    }

    public void Dispose()
    {
        for (int i = _cleanup.Count - 1; i >= 0; i--)
        {
            _cleanup[i].Dispose();
        }
    }

    private static Process StartRedis(int port)
    {
        var start = new ProcessStartInfo(RedisTestEnvironment.ServerBinary!) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        foreach (string arg in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" })
        {
            start.ArgumentList.Add(arg);
        }

        Process process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                probe.Connect(IPAddress.Loopback, port);
                return process;
            }
            catch (System.Net.Sockets.SocketException)
            {
                Thread.Sleep(50);
            }
        }

        throw new TimeoutException("redis-server did not start.");
    }

    private static async Task<bool> WaitForReadyzAsync(HttpClient ops, HttpStatusCode expected, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            try
            {
                using HttpResponseMessage response = await ops.GetAsync("/readyz");
                if (response.StatusCode == expected)
                {
                    return true;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Keep polling.
            }

            await Task.Delay(200);
        }

        return false;
    }

    private static async Task<string> CreateTenantAsync(VaultProcess node)
    {
        using HttpClient admin = node.CreateClient(admin: true);
        using HttpResponseMessage tenant = await admin.PostAsJsonAsync("/api/admin/tenants", new { name = "Fault" });
        if (!tenant.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Creating the tenant failed with {(int)tenant.StatusCode}: {await tenant.Content.ReadAsStringAsync()}\n{node.Output}");
        }

        Guid tenantId = (await tenant.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        using HttpResponseMessage key = await admin.PostAsJsonAsync("/api/admin/api-keys", new { tenant_id = tenantId });
        key.EnsureSuccessStatusCode();
        return (await key.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }

    private void Report(string test, WriteLoad load, int found, int duplicated, string extra)
    {
        string statuses = string.Join(' ', load.Statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}x{p.Value}"));
        FaultReport.Write(output, test,
            $"sent={load.Sent} acknowledged={load.Acknowledged.Count} found={found} duplicated={duplicated} retries={load.Retries} gave_up={load.GaveUp} connection_failures={load.ConnectionFailures} statuses=[{statuses}] acked_by_node=[{load.AcknowledgedByNode}] {extra}");
        foreach (string unexpected in load.Unexpected.Take(5))
        {
            output.WriteLine("unexpected: " + unexpected);
        }
    }

    /// <summary>
    /// Settings for nodes sharing one new PostgreSQL database (dropped at the end), one key file and one Redis key prefix; skips
    /// locally (fails on CI) without PostgreSQL or Redis.
    /// </summary>
    private async Task<Dictionary<string, string>> SharedPostgresAndRedisSettingsAsync(string redisPrefix)
    {
        string? pgSkip = PostgresTestEnvironment.SkipReason();
        Skip.If(pgSkip is not null, pgSkip);
        string? redisSkip = RedisTestEnvironment.SkipReason();
        Skip.If(redisSkip is not null, redisSkip);
        PostgresTestDatabase database = await PostgresTestDatabase.CreateAsync(PostgresTestEnvironment.ConnectionString!);
        _cleanup.Add(new Cleanup(database.Drop));
        return new Dictionary<string, string>
        {
            ["Strongroom:Storage:Provider"] = "postgres",
            ["Strongroom:Storage:ConnectionString"] = database.ConnectionString,
            ["Strongroom:KeyFile:Path"] = Path.Combine(NewDirectory(), "kek.json"),
            ["Strongroom:Redis:Configuration"] = RedisTestEnvironment.Configuration!,
            ["Strongroom:Redis:KeyPrefix"] = redisPrefix + "-" + Guid.NewGuid().ToString("N")[..8] + ":",
        };
    }

    private T Track<T>(T disposable)
        where T : IDisposable
    {
        _cleanup.Add(disposable);
        return disposable;
    }

    private string NewDirectory()
    {
        string directory = Directory.CreateTempSubdirectory("strongroom-fault-").FullName;
        _cleanup.Add(new Cleanup(() =>
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort.
            }
        }));
        return directory;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition() && clock.Elapsed < timeout)
        {
            await Task.Delay(50);
        }
    }

    private sealed class Cleanup(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}

/// <summary>The fault tests run one at a time (each loads the machine and starts several servers).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultCollection
{
    public const string Name = "Faults";
}
