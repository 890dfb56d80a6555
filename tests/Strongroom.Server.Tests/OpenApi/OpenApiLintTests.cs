using System.Diagnostics;

namespace Strongroom.Server.Tests.OpenApi;

/// <summary>
/// The served document passes a standard OpenAPI linter with zero errors: the pinned <c>@redocly/cli</c> of
/// <c>tests/openapi-lint</c> (installed by <c>./test.sh</c>, install_openapi_linter) with its recommended rules. Skipped when
/// the linter is not installed, failed instead with <c>CI=true</c>.
/// </summary>
public sealed class OpenApiLintTests(StrongroomApplication app) : IClassFixture<StrongroomApplication>
{
    private static readonly string LintDirectory = RepositoryPaths.Of("tests", "openapi-lint");
    private static readonly string Cli = Path.Combine(LintDirectory, "node_modules", "@redocly", "cli", "bin", "cli.js");

    [SkippableFact]
    public async Task ServedDocument_HasNoLintErrors()
    {
        if (!File.Exists(Cli))
        {
            Assert.False(PostgresTestEnvironment.IsCi, $"{Cli} is missing but CI=true: ./test.sh installs it (install_openapi_linter).");
            Skip.If(true, "The OpenAPI linter is not installed (run ./test.sh, or npm ci in tests/openapi-lint).");
        }

        using TempDirectory temp = new();
        string document = Path.Combine(temp.Path, "openapi.json");
        using (HttpClient client = app.CreateClient())
        {
            await File.WriteAllTextAsync(document, await client.GetStringAsync("/openapi/v1.json"));
        }

        (int exitCode, string output) = await RunAsync("node", Cli, "lint", document, "--config", Path.Combine(LintDirectory, "redocly.yaml"), "--format", "summary");

        Assert.True(exitCode == 0, "redocly lint found errors:\n" + output);
        Assert.Contains("validated", output, StringComparison.Ordinal);
        Assert.DoesNotContain("error ", output, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = LintDirectory };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        return (process.ExitCode, await stdout + await stderr);
    }
}
