using System.Diagnostics;

namespace Strongroom.Server.Tests;

/// <summary>
/// A generated key must never reach the repository: <c>./strongroom serve</c> writes <c>data/keys/kek.json</c> wherever it
/// runs, and a <c>git add -A</c> would once have committed it. Ignored paths are checked too, so the rule holds for a file
/// that exists right now in a developer's tree.
/// </summary>
public sealed class KeyFilesAreNotTrackedTests
{
    [SkippableFact]
    public void NoKeyFileOrDataDirectory_IsTrackedByGit()
    {
        string? tracked = Git("ls-files");
        Skip.If(tracked is null && !PostgresTestEnvironment.IsCi, "git or the repository is not available here; this runs on CI.");
        Assert.NotNull(tracked);

        string[] offending = [.. tracked!.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(IsKeyOrData)];
        Assert.Empty(offending);
    }

    [SkippableFact]
    public void GeneratedKeyPaths_AreIgnored_WhereverTheServerRuns()
    {
        string? ignored = Git("check-ignore", "--no-index", "data/keys/kek.json", "src/Strongroom.Server/data/keys/kek.json", "tests/x/data/vault.db", "somewhere/kek.json");
        Skip.If(ignored is null && !PostgresTestEnvironment.IsCi, "git or the repository is not available here; this runs on CI.");

        Assert.Equal(4, ignored!.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    private static bool IsKeyOrData(string path) =>
        path.EndsWith("kek.json", StringComparison.Ordinal) || path.EndsWith(".kek", StringComparison.Ordinal)
        || path.StartsWith("data/", StringComparison.Ordinal) || path.Contains("/data/", StringComparison.Ordinal);

    private static string? Git(params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = RepositoryPaths.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using Process process = Process.Start(start)!;
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            // check-ignore exits 1 when nothing is ignored: the output (empty) is still the answer.
            return process.ExitCode is 0 or 1 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
