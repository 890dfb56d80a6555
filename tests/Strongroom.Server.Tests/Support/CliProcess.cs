using System.Diagnostics;
using System.Text;

namespace Strongroom.Server.Tests;

/// <summary>The <c>strongroom</c> CLI run as a real process over a data directory, as an operator runs it.</summary>
public static class CliProcess
{
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string dataDirectory, params string[] args) =>
        RunAsync(dataDirectory, new Dictionary<string, string>(), args);

    /// <summary>Runs the CLI with extra configuration as environment variables (<c>Strongroom__Vault__…</c>).</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string dataDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dataDirectory,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["Strongroom__Storage__DataDirectory"] = dataDirectory;
        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>Temporary data directories for CLI tests, deleted (best effort) with the test class.</summary>
public sealed class TempDataDirectories : IDisposable
{
    private readonly List<string> _directories = [];

    public string Create()
    {
        string directory = Directory.CreateTempSubdirectory("strongroom-cli-").FullName;
        _directories.Add(directory);
        return directory;
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (string directory in _directories)
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a leftover temp directory is harmless.
            }
        }
    }
}
