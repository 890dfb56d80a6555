using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;

namespace Strongroom.Server.Tests;

/// <summary>The <c>strongroom</c> command line, run as a real process against a data directory the server then uses.</summary>
public sealed partial class CliTests : IDisposable
{
    private readonly TempDataDirectories _directories = new();

    public void Dispose() => _directories.Dispose();

    [GeneratedRegex(@"tenant_id: ([0-9a-f-]{36})")]
    private static partial Regex TenantIdLine();

    [GeneratedRegex(@"x-api-key: (srk_\S+)")]
    private static partial Regex ApiKeyLine();

    [Fact]
    public async Task TenantAndApiKeyCreatedByCli_WorkAgainstTheServer()
    {
        string dataDirectory = NewDataDirectory();

        (int tenantExit, string tenantOutput) = await RunCliAsync(dataDirectory, "tenant", "create", "--name", "Acme Payments");
        string tenantId = TenantIdLine().Match(tenantOutput).Groups[1].Value;
        (int keyExit, string keyOutput) = await RunCliAsync(dataDirectory, "api-key", "create", "--tenant", tenantId, "--scope", "tokens:read");
        string apiKey = ApiKeyLine().Match(keyOutput).Groups[1].Value;

        Assert.Equal(0, tenantExit);
        Assert.Equal(0, keyExit);
        Assert.NotEmpty(apiKey);
        Assert.True(File.Exists(Path.Combine(dataDirectory, "keys", "kek.json")));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dataDirectory, "keys", "kek.json")));
        }

        using var app = StrongroomApplication.Over(dataDirectory);
        using HttpClient client = app.ApiKeyClient(apiKey);
        using HttpResponseMessage list = await client.GetAsync("/api/pci/tokens");
        using HttpResponseMessage create = await client.PostAsJsonAsync("/api/pci/tokens", new { source = TestCards.PanSource() });

        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
    }

    [Fact]
    public async Task ApiKeyCreate_UnknownScope_FailsWithMessage()
    {
        string dataDirectory = NewDataDirectory();

        (int exit, string output) = await RunCliAsync(dataDirectory, "api-key", "create", "--tenant", Guid.NewGuid().ToString(), "--scope", "root");

        Assert.NotEqual(0, exit);
        Assert.Contains("Unknown scope", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiKeyCreate_UnknownTenant_Fails()
    {
        string dataDirectory = NewDataDirectory();

        (int exit, string output) = await RunCliAsync(dataDirectory, "api-key", "create", "--tenant", Guid.NewGuid().ToString());

        Assert.Equal(1, exit);
        Assert.Contains("No such tenant", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryCommand_TakesSettingsAsArguments_WhichOverrideTheEnvironment()
    {
        string fromEnvironment = NewDataDirectory(); // CliProcess points Strongroom__Storage__DataDirectory here
        string fromArgument = NewDataDirectory();

        (int createExit, string createOutput) = await RunCliAsync(fromEnvironment, "tenant", "create", "--name", "Argument Tenant", $"--Strongroom:Storage:DataDirectory={fromArgument}");
        (int listExit, string listOutput) = await RunCliAsync(fromEnvironment, "--Strongroom:Storage:DataDirectory", fromArgument, "tenant", "list");
        (int envListExit, string envListOutput) = await RunCliAsync(fromEnvironment, "tenant", "list");
        (int statusExit, string statusOutput) = await RunCliAsync(fromEnvironment, "keys", "status", $"--Strongroom:Storage:DataDirectory={fromArgument}");
        (int auditExit, string auditOutput) = await RunCliAsync(fromEnvironment, "audit", "verify", "--Strongroom:Storage:DataDirectory", fromArgument);

        Assert.True(createExit == 0, createOutput);
        Assert.True(listExit == 0, listOutput);
        Assert.Contains("Argument Tenant", listOutput, StringComparison.Ordinal);
        Assert.Equal(0, envListExit);
        Assert.DoesNotContain("Argument Tenant", envListOutput, StringComparison.Ordinal);
        Assert.True(statusExit == 0, statusOutput);
        Assert.DoesNotContain("Unrecognized", statusOutput, StringComparison.Ordinal);
        Assert.True(auditExit == 0, auditOutput);
        Assert.True(File.Exists(Path.Combine(fromArgument, "keys", "kek.json")));
    }

    private string NewDataDirectory() => _directories.Create();

    private static async Task<(int ExitCode, string Output)> RunCliAsync(string dataDirectory, params string[] args)
    {
        (int exit, string stdout, string stderr) = await CliProcess.RunAsync(dataDirectory, args);
        return (exit, stdout + stderr);
    }
}
