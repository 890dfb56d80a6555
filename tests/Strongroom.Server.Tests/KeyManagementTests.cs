using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Strongroom.Server.Tests;

/// <summary>
/// Key rotation and tenant shredding as an operator does them: the <c>keys</c> CLI as a real process against a data
/// directory while a server serves from it, the rotation status endpoint, and <c>DELETE /api/admin/tenants/{id}</c>.
/// </summary>
public sealed partial class KeyManagementTests : IDisposable
{
    private readonly TempDataDirectories _directories = new();

    public void Dispose() => _directories.Dispose();

    [GeneratedRegex(@"Rotation job ([0-9a-f-]{36})")]
    private static partial Regex JobLine();

    [Fact]
    public async Task RotateDekAndKek_ByCli_WhileTheServerServes_DataStaysReadable_StatusShowsTheJob()
    {
        string directory = _directories.Create();
        using var server = StrongroomApplication.Over(directory);

        // Both sides re-read tenant keys at once, so the rotation need not wait out a cache lifetime.
        using WebApplicationFactory<Program> app = server.WithWebHostBuilder(b => b.UseSetting("Strongroom:Vault:KeyCacheTtl", "00:00:00"));
        TestTenant tenant = await server.CreateTenantAsync();
        using HttpClient client = app.CreateClient();
        client.DefaultRequestHeaders.Add("x-api-key", tenant.ApiKey);
        var ids = new List<string>();
        for (int i = 0; i < 30; i++)
        {
            using HttpResponseMessage created = await client.PostAsJsonAsync("/api/pci/tokens", new { source = TestCards.PanSource(name: "Key Holder") });
            ids.Add((await created.Content.ReadFromJsonAsync()).GetProperty("id").GetString()!);
        }

        // The server keeps serving reads and writes while the CLI rotates.
        using var stop = new CancellationTokenSource();
        Task traffic = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using HttpResponseMessage read = await client.GetAsync($"/api/pci/tokens/{ids[Random.Shared.Next(ids.Count)]}");
                Assert.Equal(HttpStatusCode.OK, read.StatusCode);
                using HttpResponseMessage write = await client.PostAsJsonAsync("/api/pci/tokens", new { source = TestCards.PanSource() });
                Assert.Equal(HttpStatusCode.OK, write.StatusCode);
            }
        });

        var noCache = new Dictionary<string, string> { ["Strongroom__Vault__KeyCacheTtl"] = "00:00:00" };
        (int dekExit, string dekOut, string dekErr) = await CliProcess.RunAsync(directory, noCache, "keys", "rotate-dek", "--tenant", tenant.Id.ToString());
        (int kekExit, string kekOut, string kekErr) = await CliProcess.RunAsync(directory, "keys", "rotate-kek");
        await stop.CancelAsync();
        await traffic;

        Assert.True(dekExit == 0, dekOut + dekErr);
        Assert.Contains("to data key version 2", dekOut, StringComparison.Ordinal);
        Assert.Contains("Completed:", dekOut, StringComparison.Ordinal);
        Assert.True(kekExit == 0, kekOut + kekErr);
        Assert.Contains("KEK version 2 is current", kekOut, StringComparison.Ordinal);

        foreach (string id in ids)
        {
            using HttpResponseMessage read = await client.GetAsync($"/api/pci/tokens/{id}");
            Assert.Equal("Key Holder", (await read.Content.ReadFromJsonAsync()).GetProperty("card").GetProperty("cardholder_name").GetString());
        }

        using HttpClient admin = server.AdminClient();
        using HttpResponseMessage status = await admin.GetAsync($"/api/admin/key-rotations?tenant_id={tenant.Id}");
        JsonElement job = (await status.Content.ReadFromJsonAsync()).GetProperty("data")[0];
        Assert.Equal(JobLine().Match(dekOut).Groups[1].Value, job.GetProperty("id").GetString());
        Assert.Equal("completed", job.GetProperty("status").GetString());
        Assert.Equal(2, job.GetProperty("to_version").GetInt32());
        Assert.True(job.GetProperty("reencrypted").GetInt64() >= 30);

        (int statusExit, string statusOut, _) = await CliProcess.RunAsync(directory, "keys", "status");
        Assert.Equal(0, statusExit);
        Assert.Contains("completed", statusOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeleteTenant_ShredsIt_OthersUnaffected_AndOnlyTheAdminMayDoIt()
    {
        string directory = _directories.Create();
        using var app = StrongroomApplication.Over(directory);
        TestTenant doomed = await app.CreateTenantAsync("Doomed");
        TestTenant survivor = await app.CreateTenantAsync("Survivor");
        using HttpResponseMessage kept = await survivor.Client.PostAsJsonAsync("/api/pci/tokens", new { source = TestCards.PanSource(name: "Survivor Card") });
        string keptId = (await kept.Content.ReadFromJsonAsync()).GetProperty("id").GetString()!;
        (await doomed.Client.PostAsJsonAsync("/api/pci/tokens", new { source = TestCards.PanSource() })).Dispose();
        using HttpClient admin = app.AdminClient();

        using HttpResponseMessage byTenantKey = await doomed.Client.DeleteAsync($"/api/admin/tenants/{doomed.Id}");
        using HttpResponseMessage shredded = await admin.DeleteAsync($"/api/admin/tenants/{doomed.Id}");
        using HttpResponseMessage again = await admin.DeleteAsync($"/api/admin/tenants/{doomed.Id}");
        using HttpResponseMessage doomedKey = await doomed.Client.GetAsync("/api/pci/tokens");
        using HttpResponseMessage survivorRead = await survivor.Client.GetAsync($"/api/pci/tokens/{keptId}");
        using HttpResponseMessage tenants = await admin.GetAsync("/api/admin/tenants");

        await GuardianAssert.ErrorAsync(byTenantKey, HttpStatusCode.Forbidden, "FORBIDDEN");
        Assert.Equal(HttpStatusCode.OK, shredded.StatusCode);
        Assert.True((await shredded.Content.ReadFromJsonAsync()).GetProperty("shredded").GetBoolean());
        await GuardianAssert.ErrorAsync(again, HttpStatusCode.NotFound, "NOT_FOUND");
        await GuardianAssert.ErrorAsync(doomedKey, HttpStatusCode.Unauthorized, "UNAUTHORIZED"); // its API keys went with it
        Assert.Equal("Survivor Card", (await survivorRead.Content.ReadFromJsonAsync()).GetProperty("card").GetProperty("cardholder_name").GetString());
        Assert.DoesNotContain(doomed.Id.ToString(), await tenants.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The KEK the doomed tenant's keys were wrapped under is gone from the key file.
        using JsonDocument keyFile = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(directory, "keys", "kek.json")));
        Assert.Equal(2, keyFile.RootElement.GetProperty("current").GetInt32());
        Assert.Equal([2], keyFile.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("version").GetInt32()));
    }
}
