using System.Diagnostics;

namespace Strongroom.Server.Tests.Observability;

/// <summary>
/// Prometheus's own linter (<c>promtool check metrics</c>, Debian's <c>prometheus</c> package) from <c>STRONGROOM_TEST_PROMTOOL</c>,
/// which <c>./test.sh</c> installs and exports. Skipped locally without it; with <c>CI=true</c> its absence fails.
/// </summary>
public static class Promtool
{
    public const string Variable = "STRONGROOM_TEST_PROMTOOL";

    public static string? Path => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } path && File.Exists(path) ? path : null;

    public static string? SkipReason()
    {
        if (Path is not null)
        {
            return null;
        }

        if (PostgresTestEnvironment.IsCi)
        {
            throw new InvalidOperationException($"{Variable} is not set but CI=true: the scrape must be checked by promtool on CI. Run ./test.sh, which installs it.");
        }

        return $"{Variable} is not set (run ./test.sh, which installs Debian's prometheus package); skipped locally, fails on CI.";
    }

    /// <summary>Runs <c>promtool check metrics</c> on <paramref name="scrape"/>; returns its exit code and everything it printed.</summary>
    public static async Task<(int ExitCode, string Output)> CheckMetricsAsync(string scrape)
    {
        var start = new ProcessStartInfo(Path!, "check metrics")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(scrape);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, (await stdout) + (await stderr));
    }
}
