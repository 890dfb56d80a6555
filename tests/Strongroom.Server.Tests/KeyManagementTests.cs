using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

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
            ids.Add(await client.TokenizeIdAsync(TestCards.PanSource(name: "Key Holder")));
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

                // Steady traffic, below the per-key rate limit (1000 requests per 10 s).
                await Task.Delay(20);
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
        string keptId = await survivor.TokenizeIdAsync(TestCards.PanSource(name: "Survivor Card"));
        await doomed.TokenizeAsync();
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

    [SkippableFact]
    public async Task Server_OnThePkcs11Provider_TokenizesAndReadsBack_AcrossARestart_AndRotatesItsKek()
    {
        string? skip = SoftHsmTestEnvironment.SkipReason();
        Skip.If(skip is not null, skip);
        string directory = _directories.Create();
        Strongroom.Adapters.Pkcs11.Pkcs11KeyProviderOptions hsm = SoftHsmTestEnvironment.FreshOptions();
        WebApplicationFactory<Program> OnHsm(StrongroomApplication app) => app.WithWebHostBuilder(b => b
            .UseSetting("Strongroom:KeyProvider", "pkcs11")
            .UseSetting("Strongroom:Pkcs11:LibraryPath", hsm.LibraryPath)
            .UseSetting("Strongroom:Pkcs11:TokenLabel", hsm.TokenLabel)
            .UseSetting("Strongroom:Pkcs11:UserPin", hsm.UserPin)
            .UseSetting("Strongroom:Pkcs11:KeyLabelPrefix", hsm.KeyLabelPrefix)
            .UseSetting("Strongroom:Pkcs11:AuditKeyLabel", hsm.AuditKeyLabel));

        string tokenId;
        string apiKey;

        // One application over the directory (disposing it deletes the directory); each derived factory is a process lifetime.
        using var application = StrongroomApplication.Over(directory);
        using (WebApplicationFactory<Program> server = OnHsm(application))
        {
            using HttpClient admin = server.CreateClient();
            admin.DefaultRequestHeaders.Add("x-admin-token", StrongroomApplication.AdminToken);
            using HttpResponseMessage tenant = await admin.PostAsJsonAsync("/api/admin/tenants", new { name = "On HSM" });
            Assert.Equal(HttpStatusCode.Created, tenant.StatusCode);
            Guid tenantId = (await tenant.Content.ReadFromJsonAsync()).GetProperty("id").GetGuid();
            using HttpResponseMessage key = await admin.PostAsJsonAsync("/api/admin/api-keys", new { tenant_id = tenantId });
            apiKey = (await key.Content.ReadFromJsonAsync()).GetProperty("key").GetString()!;
            using HttpClient client = server.CreateClient();
            client.DefaultRequestHeaders.Add("x-api-key", apiKey);
            tokenId = await client.TokenizeIdAsync(TestCards.PanSource(name: "Hsm Holder"));

            // Rotate the KEK inside the HSM while this server runs; it keeps its unwrapped keys.
            Strongroom.Core.Keys.KekRotation rotation = await server.Services.GetRequiredService<Strongroom.Core.Keys.KeyRotationService>()
                .RotateKekAsync(destroyOldVersions: true, null, CancellationToken.None);
            Assert.Equal([1], rotation.DestroyedVersions);
        }

        Assert.False(File.Exists(Path.Combine(directory, "keys", "kek.json"))); // no key file: the KEK lives in the HSM

        using WebApplicationFactory<Program> restarted = OnHsm(application);
        using HttpClient again = restarted.CreateClient();
        again.DefaultRequestHeaders.Add("x-api-key", apiKey);
        using HttpResponseMessage read = await again.GetAsync($"/api/pci/tokens/{tokenId}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("Hsm Holder", (await read.Content.ReadFromJsonAsync()).GetProperty("card").GetProperty("cardholder_name").GetString());
    }
}
