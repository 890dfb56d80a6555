using System.Diagnostics;
using System.Text;

namespace Strongroom.Server.Tests;

/// <summary>
/// The README's walkthrough, run as a new user runs it: every shell block marked <c>&lt;!-- walkthrough --&gt;</c>, in
/// order, in ONE bash (so a variable a block forgets to set breaks the run), against a fresh real <c>strongroom serve</c>
/// with the admin token it printed at first start. <c>set -euo pipefail</c> and the README's <c>curl --fail-with-body</c>
/// make any failing call fail the test, so the README cannot rot again.
/// </summary>
public sealed class ReadmeWalkthroughTests : IDisposable
{
    private const string Marker = "<!-- walkthrough -->";

    /// <summary>Every id the walkthrough captures and a later call (or the reader) needs.</summary>
    private static readonly string[] CapturedVariables =
        ["TENANT", "KEY", "ID", "DATA_OUT_KEY", "TOKEN_ID", "SESSION_ID", "TAP_TOKEN", "API_KEY", "API_SECRET", "SUB", "JWT", "WEBHOOK_ID", "WEBHOOK_SECRET", "ROUTE_ID"];

    private readonly TempDataDirectories _directories = new();

    public void Dispose() => _directories.Dispose();

    [Fact]
    public void Readme_MarksTheWalkthroughBlocks_AndSaysHowToSetVaultAndAdmin()
    {
        string readme = File.ReadAllText(RepositoryPaths.Of("README.md"));

        IReadOnlyList<string> blocks = WalkthroughBlocks(readme);

        Assert.True(blocks.Count >= 6, $"only {blocks.Count} walkthrough block(s)");
        Assert.Contains("export VAULT=http://127.0.0.1:5080", readme, StringComparison.Ordinal);
        Assert.Contains("export ADMIN=sra_", readme, StringComparison.Ordinal);
        Assert.All(blocks, b => Assert.DoesNotContain("curl -s ", b, StringComparison.Ordinal)); // silent failures
        Assert.All(blocks, b => Assert.DoesNotContain("$V/", b, StringComparison.Ordinal));
        Assert.Contains(blocks, b => b.Contains("data:out", StringComparison.Ordinal) && b.Contains("DATA_OUT_KEY=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WalkthroughBlocks_RunInOrderInOneShell_AgainstAFreshServer()
    {
        string dataDirectory = _directories.Create();
        string readme = File.ReadAllText(RepositoryPaths.Of("README.md"));
        IReadOnlyList<string> blocks = WalkthroughBlocks(readme);
        using ServeProcess server = await ServeProcess.StartAsync(dataDirectory);

        var script = new StringBuilder("set -euo pipefail\n");
        foreach (string block in blocks)
        {
            script.Append(block).Append('\n');
        }

        // Each captured id must be set to something real (jq prints "null" for a missing field).
        script.Append("for v in ").AppendJoin(' ', CapturedVariables).Append("; do\n")
            .Append("  if [[ -z \"${!v:-}\" || \"${!v}\" == null ]]; then echo \"walkthrough left $v unset\" >&2; exit 3; fi\n")
            .Append("  echo \"captured $v\"\n")
            .Append("done\n");
        string scriptFile = Path.Combine(dataDirectory, "walkthrough.sh");
        await File.WriteAllTextAsync(scriptFile, script.ToString());

        (int exit, string stdout, string stderr) = await RunBashAsync(scriptFile, dataDirectory, new Dictionary<string, string>
        {
            ["VAULT"] = server.BaseAddress.ToString().TrimEnd('/'),
            ["ADMIN"] = server.GeneratedAdminToken,
        });

        Assert.True(exit == 0, $"exit {exit}\n--- stdout\n{stdout}\n--- stderr\n{stderr}\n--- server\n{server.Output}");
        string[] lines = stdout.Split('\n', StringSplitOptions.TrimEntries);
        Assert.Contains("\"masked_account_number\":\"411111******1111\"", stdout, StringComparison.Ordinal);
        Assert.Contains("{\"security_code_available\":true}", stdout, StringComparison.Ordinal);
        Assert.Contains("204", lines); // the delete
        Assert.Contains("404", lines); // reading the deleted token
        Assert.Contains("true", lines); // the Tap token is used up
        Assert.Contains("\"maskedCardNumber\":\"411111******1111\"", stdout, StringComparison.Ordinal);
        // The inbound proxy's stand-in API got the request with an alias (first six and last four kept) and no cvc.
        string proxied = Assert.Single(lines, l => l.StartsWith("{\"your_api_received\":", StringComparison.Ordinal));
        Assert.Matches("\"number\":\"411111\\d{6}1111\"", proxied);
        Assert.DoesNotContain(TestCards.Visa, proxied, StringComparison.Ordinal);
        Assert.DoesNotContain("cvc", proxied, StringComparison.Ordinal);
        Assert.All(CapturedVariables, v => Assert.Contains("captured " + v, lines));
        Assert.DoesNotContain(TestCards.Visa, server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(TestCards.Mastercard, server.Output, StringComparison.Ordinal);
    }

    /// <summary>The fenced shell blocks right below a <see cref="Marker"/> line, in README order.</summary>
    internal static IReadOnlyList<string> WalkthroughBlocks(string readme)
    {
        string[] lines = readme.ReplaceLineEndings("\n").Split('\n');
        var blocks = new List<string>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() != Marker)
            {
                continue;
            }

            int fence = i + 1;
            while (fence < lines.Length && lines[fence].Trim().Length == 0)
            {
                fence++;
            }

            Assert.True(fence < lines.Length && lines[fence].Trim() is "```bash" or "```sh",
                $"README line {i + 1}: {Marker} must stand right above a ```bash block");
            int end = Array.FindIndex(lines, fence + 1, l => l.Trim() == "```");
            Assert.True(end > fence, $"README line {fence + 1}: unterminated code block");
            blocks.Add(string.Join('\n', lines[(fence + 1)..end]));
            i = end;
        }

        return blocks;
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunBashAsync(string scriptFile, string workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add(scriptFile);
        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }

        using Process bash = Process.Start(start)!;
        Task<string> stdout = bash.StandardOutput.ReadToEndAsync();
        Task<string> stderr = bash.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await bash.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            bash.Kill(entireProcessTree: true);
            throw;
        }

        return (bash.ExitCode, await stdout, await stderr);
    }
}
