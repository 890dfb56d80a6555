using Microsoft.Playwright;

namespace Strongroom.Server.Tests;

/// <summary>
/// Where the browser tests find their browser: Debian's <c>/usr/bin/chromium</c> (packages <c>chromium</c> and
/// <c>chromium-driver</c>, which test.sh installs), not a browser Playwright downloads, because that download
/// does not work on the closed network the tests run on. Without Chromium the browser tests are skipped on a
/// developer machine but FAIL when <c>CI=true</c>, by the same rule as the PostgreSQL tests: a misconfigured CI
/// must not pass green without ever opening the hosted card form.
/// </summary>
public static class ChromiumEnvironment
{
    public const string ExecutablePath = "/usr/bin/chromium";

    /// <summary>
    /// <c>--no-sandbox</c> because the tests run as root; the rest keep Chromium from reaching for the network
    /// on its own (updates, sync, QUIC probes), which stalls start-up where there is no network to reach.
    /// </summary>
    public static readonly IReadOnlyList<string> Arguments =
    [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ];

    public static bool IsInstalled => File.Exists(ExecutablePath);

    /// <summary>Null when Chromium is installed; otherwise why the browser tests are skipped. Throws on CI instead of skipping.</summary>
    public static string? SkipReason()
    {
        if (IsInstalled)
        {
            return null;
        }

        if (PostgresTestEnvironment.IsCi)
        {
            throw new InvalidOperationException(
                $"{ExecutablePath} is missing but CI=true: the browser tests must run on CI. Run ./test.sh, which installs chromium and chromium-driver.");
        }

        return $"{ExecutablePath} is missing (run ./test.sh, or apt-get install chromium chromium-driver); skipped locally, fails on CI.";
    }

    public static BrowserTypeLaunchOptions LaunchOptions() => new()
    {
        ExecutablePath = ExecutablePath,
        Headless = true,
        Args = Arguments,
        Timeout = 60_000,
    };
}
