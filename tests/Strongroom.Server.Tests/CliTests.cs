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

    private string NewDataDirectory() => _directories.Create();

    private static async Task<(int ExitCode, string Output)> RunCliAsync(string dataDirectory, params string[] args)
    {
        (int exit, string stdout, string stderr) = await CliProcess.RunAsync(dataDirectory, args);
        return (exit, stdout + stderr);
    }
}
