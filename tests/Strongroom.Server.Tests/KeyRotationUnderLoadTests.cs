using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Strongroom.Core.Crypto;
using Strongroom.Core.Keys;
using Strongroom.Core.Storage;
using Strongroom.Server.Tests.Forwarding;

namespace Strongroom.Server.Tests;

/// <summary>
/// A tenant's DEK rotation while another node serves reads and forwards of the very records being re-encrypted, with
/// the key-cache lifetime at its default (one minute). The shared manual clock stands still while the records are
/// re-encrypted, so the serving node's cache (data-key version 1 only) cannot expire in that window: every read of a
/// re-encrypted record meets version 2 before the node has loaded it. The clock then moves past the lifetime so the
/// rotation's wait ends, and the rotation retires version 1 while the traffic continues. Every answer must be 2xx.
/// </summary>
public sealed class KeyRotationUnderLoadTests
{
    private const int Tokens = 260; // more than one re-encryption batch (KeyRotationService.BatchSize)
    private const int Workers = 8;
    // Workers run until the test stops them (never out of a request budget: a slow first pass on a busy CI machine once
    // outlasted a 4,000-request cap and left nobody sending); this deadline only bounds a test that hangs.
    private static readonly TimeSpan WorkerDeadline = TimeSpan.FromMinutes(4);
    private static readonly string[] DataOutScopes = ["tokens:create", "tokens:read", "tokens:delete", "data:out"];

    [Fact]
    public async Task RotateDek_OnSqlite_ReadersAndForwardersOnTheServingNode_GetOnly2xxThroughTheWholeRotation()
    {
        using var serving = new StrongroomApplication();
        await RotateUnderLoadAsync(serving, rotatorServesToo: false);
    }

    [SkippableFact]
    public async Task RotateDek_OnPostgres_ReadersAndForwardersOnTheServingNode_GetOnly2xxThroughTheWholeRotation()
    {
        string? skip = PostgresTestEnvironment.SkipReason();
        Skip.If(skip is not null, skip);
        using StrongroomApplication serving = await StrongroomApplication.OnPostgresAsync();
        await RotateUnderLoadAsync(serving, rotatorServesToo: false);
    }

    [SkippableFact]
    public async Task RotateDek_TwoNodesOnPostgres_OneRotatesBothServe_GetOnly2xxThroughTheWholeRotation()
    {
        string? skip = PostgresTestEnvironment.SkipReason();
        Skip.If(skip is not null, skip);
        using StrongroomApplication serving = await StrongroomApplication.OnPostgresAsync();
        await RotateUnderLoadAsync(serving, rotatorServesToo: true);
    }

    [Fact]
    public async Task Read_RecordUnderADataKeyVersionThatNoLongerExists_Is503InTheDialectShape_AndLogged()
    {
        using var app = new StrongroomApplication();
        TestTenant tenant = await app.CreateTenantAsync();
        Guid token = await CreateAsync(tenant.Client, "/api/pci/tokens", TestCards.PanSource());

        // Version 1 retired without re-encrypting (as a broken or tampered rotation would leave it).
        TenantKeyring keyring = app.Services.GetRequiredService<TenantKeyring>();
        await keyring.AddDataKeyVersionAsync(tenant.Id, CancellationToken.None);
        await app.Services.GetRequiredService<IVaultStore>().DeleteTenantKeysBelowAsync(tenant.Id, TenantKeyPurpose.Data, 2, CancellationToken.None);
        keyring.Evict(tenant.Id);
        using HttpResponseMessage read = await tenant.Client.GetAsync($"/api/pci/tokens/{token}");

        await GuardianAssert.ErrorAsync(read, HttpStatusCode.ServiceUnavailable, "SERVICE_UNAVAILABLE");
        Assert.Contains($"Data-key version 1 of tenant {tenant.Id} does not exist in the store", app.Logs.AllText, StringComparison.Ordinal);
    }

    /// <summary>
    /// <paramref name="serving"/> takes the traffic; a second node over the same store and key file rotates (standing in
    /// for the CLI, which is a process with a key cache of its own). With <paramref name="rotatorServesToo"/> the workers
    /// alternate between both nodes.
    /// </summary>
    private static async Task RotateUnderLoadAsync(StrongroomApplication serving, bool rotatorServesToo)
    {
        serving.Clock.DrivesTimers = true;
        serving.Settings["Strongroom:RateLimit:PermitLimit"] = "100000";
        using StrongroomApplication rotator = StrongroomApplication.SecondNodeOf(serving);
        rotator.Settings["Strongroom:RateLimit:PermitLimit"] = "100000";
        await using ProcessorServer processor = await ProcessorServer.StartAsync();

        TestTenant tenant = await serving.CreateTenantAsync("Rotating", DataOutScopes);
        using (HttpClient admin = serving.AdminClient())
        using (HttpResponseMessage destinations = await admin.PutAsJsonAsync($"/api/admin/tenants/{tenant.Id}/forward-destinations",
            new { destinations = new[] { new { url = processor.BaseUrl, allow_private_network = true, ca_certificate_pem = processor.CertificatePem } } }))
        {
            Assert.Equal(HttpStatusCode.OK, destinations.StatusCode);
        }

        var pciTokens = new List<Guid>();
        for (int i = 0; i < Tokens; i++)
        {
            pciTokens.Add(await CreateAsync(tenant.Client, "/api/pci/tokens", TestCards.PanSource(name: "Rotation Holder")));
        }

        var networkTokens = new List<Guid>();
        foreach (string pan in TestCards.All) // one live network token per card
        {
            networkTokens.Add(await CreateAsync(tenant.Client, "/api/network/tokens", TestCards.PanSource(pan, securityCode: pan.Length == 15 ? "1234" : "123")));
        }

        // Both nodes load the tenant's keys now (version 1 only); the clock stands still, so neither cache expires by itself.
        using HttpClient rotatorClient = rotator.ApiKeyClient(tenant.ApiKey);
        using (HttpResponseMessage warm = await rotatorClient.GetAsync($"/api/pci/tokens/{pciTokens[0]}"))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        var failures = new ConcurrentQueue<string>();
        long requests = 0;
        long forwarded = 0;
        using var stop = new CancellationTokenSource(WorkerDeadline);
        Task[] workers = [.. Enumerable.Range(0, Workers).Select(w => Task.Run(async () =>
        {
            using HttpClient client = (rotatorServesToo && w % 2 == 1 ? rotator : serving).ApiKeyClient(tenant.ApiKey);
            for (int n = 0; !stop.IsCancellationRequested; n++)
            {
                using HttpResponseMessage response = (n % 4) switch
                {
                    0 => await ForwardAsync(client, pciTokens[Random.Shared.Next(pciTokens.Count)], processor.Url("/echo")),
                    1 => await client.GetAsync($"/api/network/tokens/{networkTokens[Random.Shared.Next(networkTokens.Count)]}"),
                    _ => await client.GetAsync($"/api/pci/tokens/{pciTokens[Random.Shared.Next(pciTokens.Count)]}"),
                };
                Interlocked.Increment(ref requests);
                if (n % 4 == 0)
                {
                    Interlocked.Increment(ref forwarded);
                }

                if (!response.IsSuccessStatusCode)
                {
                    failures.Enqueue($"{(int)response.StatusCode} {response.RequestMessage?.RequestUri?.AbsolutePath}: {await response.Content.ReadAsStringAsync()}");
                }
            }
        }))];

        KeyRotationService rotation = rotator.Services.GetRequiredService<KeyRotationService>();
        RotationJob job = await rotation.StartDekRotationAsync(tenant.Id, CancellationToken.None);
        Task<RotationJob> run = rotation.RunDekRotationAsync(job, null, CancellationToken.None);

        // The first pass re-encrypts everything on a frozen clock, then the rotation waits out the cache lifetime.
        TimeSpan ttl = rotator.Services.GetRequiredService<TenantKeyring>().CacheTtl;
        Assert.Equal(TimeSpan.FromMinutes(1), ttl);
        await WaitUntilAsync(() => run.IsCompleted || serving.Clock.TimersDueWithin(ttl) > 0, workers);
        Assert.False(run.IsFaulted, run.Exception?.ToString());
        long atWait = Interlocked.Read(ref requests);
        await WaitUntilAsync(() => Interlocked.Read(ref requests) >= atWait + 200, workers);

        serving.Clock.Advance(ttl + TimeSpan.FromSeconds(1));
        RotationJob done = await run.WaitAsync(TimeSpan.FromSeconds(60));

        // Traffic continues after version 1 is retired.
        long atDone = Interlocked.Read(ref requests);
        await WaitUntilAsync(() => Interlocked.Read(ref requests) >= atDone + 200, workers);
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        Assert.True(failures.IsEmpty, $"{failures.Count} non-2xx of {requests}: {string.Join("\n", failures.Take(5))}\nserver exceptions:\n" +
            string.Join("\n", serving.Logs.Entries.Concat(rotator.Logs.Entries).Where(e => e.Contains("Exception", StringComparison.Ordinal)).Take(5)));
        Assert.True(requests >= 400, $"only {requests} requests"); // at least 200 while the rotation waited, 200 after it retired version 1
        Assert.Equal(RotationJobStatus.Completed, done.Status);
        Assert.Equal(2, done.ToVersion);
        Assert.True(done.Reencrypted >= Tokens + 4, $"re-encrypted {done.Reencrypted}");

        IVaultStore store = serving.Services.GetRequiredService<IVaultStore>();
        Assert.Equal([2], (await store.GetTenantKeysAsync(tenant.Id, CancellationToken.None)).Where(k => k.Purpose == TenantKeyPurpose.Data).Select(k => k.Version));

        Strongroom.Core.Audit.AuditLog auditLog = serving.Services.GetRequiredService<Strongroom.Core.Audit.AuditLog>();
        foreach (string action in new[] { "keys.dek_rotation_started", "keys.dek_rotation_completed" })
        {
            Strongroom.Core.Audit.AuditEntry entry = Assert.Single(await auditLog.ListAsync(new Strongroom.Core.Audit.AuditQuery(TenantId: tenant.Id, Action: action), CancellationToken.None));
            Assert.Equal($"job:{job.Id}", entry.Target);
        }

        // The serving node met version 2 while its cache held version 1 only, and re-read its keys instead of failing.
        Assert.Contains("Re-read the keys of tenant " + tenant.Id, serving.Logs.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain("does not exist in the store", serving.Logs.AllText, StringComparison.Ordinal);

        // The forwards reached the processor with the card number opened from the re-encrypted records.
        Assert.True(forwarded > 0);
        Assert.All(processor.RequestsTo("/echo").TakeLast(20), r => Assert.Equal("""{"n":"4111111111111111"}""", r.Body));
    }

    private static async Task<Guid> CreateAsync(HttpClient client, string path, object source)
    {
        using HttpResponseMessage response = await client.PostAsJsonAsync(path, new { source });
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
    }

    private static async Task<HttpResponseMessage> ForwardAsync(HttpClient client, Guid tokenId, string destination)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/pci/tokens/{tokenId}/forward")
        {
            Content = new StringContent("""{"n":{{ account_number }}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("x-destination-url", destination);
        return await client.SendAsync(request);
    }

    /// <summary>Polls <paramref name="condition"/>; fails after a minute so a hang is a failure, not a stuck run.</summary>
    /// <summary>Waits for <paramref name="condition"/>; a worker that died (an exception, or the deadline) ends the wait with its reason.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition, Task[] workers)
    {
        DateTime deadline = DateTime.UtcNow.AddMinutes(2);
        while (!condition())
        {
            Task? ended = workers.FirstOrDefault(w => w.IsCompleted);
            Assert.True(ended is null, $"a worker stopped early: {ended?.Exception?.GetBaseException()}");
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting");
            await Task.Delay(10);
        }
    }
}
