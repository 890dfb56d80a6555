using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Strongroom.Server.Tests;

/// <summary>
/// The command line as a new user meets it: relative paths from where they stand (through the real <c>./strongroom</c>
/// script), <c>keys status</c> and <c>tenant list</c> saying something when there is nothing, output a script can parse,
/// and recovery from a lost admin token.
/// </summary>
public sealed partial class CliExperienceTests : IDisposable
{
    private const string BinFile = "prefix,scheme,funding,bank,country\n444433,visa,DEBIT,CALLER DIRECTORY BANK,GB\n";

    private readonly TempDataDirectories _directories = new();

    public void Dispose() => _directories.Dispose();

    [GeneratedRegex(@"^x-admin-token: (sra_\S+)$", RegexOptions.Multiline)]
    private static partial Regex AdminTokenLine();

    [Fact]
    public async Task StrongroomScript_BinImport_RelativePath_ResolvesFromTheCallersDirectory()
    {
        string dataDirectory = _directories.Create();
        string caller = _directories.Create();
        await File.WriteAllTextAsync(Path.Combine(caller, "licensed-bins.csv"), BinFile);

        // As documented: `./strongroom bin import licensed-bins.csv`, here from a directory that is not the repository.
        var start = new ProcessStartInfo("bash") { WorkingDirectory = caller, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(RepositoryPaths.Of("strongroom"));
        start.ArgumentList.Add("bin");
        start.ArgumentList.Add("import");
        start.ArgumentList.Add("licensed-bins.csv");
        start.Environment["Strongroom__Storage__DataDirectory"] = dataDirectory;
        start.Environment.Remove("STRONGROOM_CALLER_DIRECTORY");
        (int exit, string stdout, string stderr) = await RunAsync(start, TimeSpan.FromMinutes(5));

        Assert.True(exit == 0, $"exit {exit}\n{stdout}\n{stderr}");
        Assert.Equal("Imported 1 BIN range(s); rejected 0 row(s).", stdout.Trim()); // build chatter, if any, is on stderr
        Assert.DoesNotContain("No such file", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BinImport_RelativePath_ResolvesFromCallerDirectory_NotTheWorkingDirectory()
    {
        string dataDirectory = _directories.Create(); // the CLI process's working directory
        string caller = _directories.Create();
        await File.WriteAllTextAsync(Path.Combine(caller, "licensed-bins.csv"), BinFile);

        (int exit, string stdout, string stderr) = await CliProcess.RunAsync(dataDirectory,
            new Dictionary<string, string> { ["STRONGROOM_CALLER_DIRECTORY"] = caller }, "bin", "import", "licensed-bins.csv");
        (int missingExit, _, string missingErr) = await CliProcess.RunAsync(dataDirectory, "bin", "import", "licensed-bins.csv");

        Assert.True(exit == 0, $"exit {exit}\n{stdout}\n{stderr}");
        Assert.Equal("Imported 1 BIN range(s); rejected 0 row(s).", stdout.Trim());
        Assert.Equal(2, missingExit); // without the caller's directory, the working directory is the reference
        Assert.Contains($"No such file: {Path.Combine(dataDirectory, "licensed-bins.csv")}", missingErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeysStatus_WithoutJobs_SaysSo_AndTenantList_IsTabSeparatedWhenRedirected()
    {
        string dataDirectory = _directories.Create();

        (int statusExit, string statusOut, _) = await CliProcess.RunAsync(dataDirectory, "keys", "status");
        (int emptyListExit, string emptyListOut, _) = await CliProcess.RunAsync(dataDirectory, "tenant", "list");
        (int createExit, string createOut, _) = await CliProcess.RunAsync(dataDirectory, "tenant", "create", "--name", "Acme [Payments]");
        (int listExit, string listOut, _) = await CliProcess.RunAsync(dataDirectory, "tenant", "list");

        Assert.Equal(0, statusExit);
        Assert.StartsWith("No key rotation jobs", statusOut, StringComparison.Ordinal);
        Assert.Equal(0, emptyListExit);
        Assert.StartsWith("No tenants yet", emptyListOut, StringComparison.Ordinal);
        Assert.Equal(0, createExit);
        Assert.Equal(0, listExit);
        string tenantId = createOut.Trim()["tenant_id: ".Length..];
        Assert.Equal(["tenant_id\tname", $"{tenantId}\tAcme [Payments]"], listOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task AdminResetToken_ReplacesALostToken_OnARunningServer_AndIsAudited()
    {
        string dataDirectory = _directories.Create();
        var settings = new Dictionary<string, string> { ["Strongroom:Admin:RefreshInterval"] = "00:00:01" };
        using ServeProcess server = await ServeProcess.StartAsync(dataDirectory, settings);
        string lost = server.GeneratedAdminToken;
        Assert.Equal(HttpStatusCode.OK, await TenantsStatusAsync(server, lost));

        (int exit, string stdout, string stderr) = await CliProcess.RunAsync(dataDirectory, "admin", "reset-token");

        Assert.True(exit == 0, $"exit {exit}\n{stdout}\n{stderr}");
        string fresh = AdminTokenLine().Match(stdout).Groups[1].Value;
        Assert.StartsWith("sra_", fresh, StringComparison.Ordinal);
        Assert.NotEqual(lost, fresh);
        Assert.Contains("shown only now", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(fresh, stderr, StringComparison.Ordinal);

        // The running server picks the new token up within its refresh interval (1 s here); the lost one stops working.
        HttpStatusCode freshStatus = HttpStatusCode.Unauthorized;
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(30) && (freshStatus = await TenantsStatusAsync(server, fresh)) != HttpStatusCode.OK)
        {
            await Task.Delay(250);
        }

        Assert.Equal(HttpStatusCode.OK, freshStatus);
        Assert.Equal(HttpStatusCode.Unauthorized, await TenantsStatusAsync(server, lost));
        Assert.DoesNotContain(fresh, server.Output, StringComparison.Ordinal);

        using var client = new HttpClient { BaseAddress = server.BaseAddress };
        client.DefaultRequestHeaders.Add("x-admin-token", fresh);
        JsonElement audit = await client.GetFromJsonAsync<JsonElement>("/api/audit?action=admin_token.reset");
        JsonElement entry = Assert.Single(audit.GetProperty("data").EnumerateArray());
        Assert.Equal("operator", entry.GetProperty("actor").GetString());
        Assert.DoesNotContain(fresh[4..], entry.GetRawText(), StringComparison.Ordinal);

        (int verifyExit, string verifyOut, _) = await CliProcess.RunAsync(dataDirectory, "audit", "verify");
        Assert.True(verifyExit == 0, verifyOut);
    }

    [Fact]
    public async Task AdminResetToken_WithAConfiguredToken_Refuses()
    {
        string dataDirectory = _directories.Create();

        (int exit, string stdout, string stderr) = await CliProcess.RunAsync(dataDirectory,
            new Dictionary<string, string> { ["Strongroom__Admin__Token"] = "sra_configured-token-0123456789abcdef" }, "admin", "reset-token");

        Assert.Equal(2, exit);
        Assert.Empty(stdout);
        Assert.Contains("Strongroom:Admin:Token", stderr, StringComparison.Ordinal);
    }

    private static async Task<HttpStatusCode> TenantsStatusAsync(ServeProcess server, string adminToken)
    {
        using var client = new HttpClient { BaseAddress = server.BaseAddress };
        client.DefaultRequestHeaders.Add("x-admin-token", adminToken);
        using HttpResponseMessage response = await client.GetAsync("/api/admin/tenants");
        return response.StatusCode;
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(ProcessStartInfo start, TimeSpan timeout)
    {
        start.StandardOutputEncoding = Encoding.UTF8;
        start.StandardErrorEncoding = Encoding.UTF8;
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
