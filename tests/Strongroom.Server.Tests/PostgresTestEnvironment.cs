namespace Strongroom.Server.Tests;

/// <summary>
/// Where the PostgreSQL server tests find their server (the same rules as the Core tests'):
/// <c>STRONGROOM_TEST_POSTGRES</c> is an Npgsql connection string with rights to create databases
/// (test.sh starts a throwaway cluster and sets it). Without it the tests are skipped on a developer
/// machine, but FAIL when <c>CI=true</c>: a misconfigured CI must not pass green on SQLite alone.
/// </summary>
public static class PostgresTestEnvironment
{
    public const string ConnectionStringVariable = "STRONGROOM_TEST_POSTGRES";

    public static string? ConnectionString => NullIfEmpty(Environment.GetEnvironmentVariable(ConnectionStringVariable));

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Null when PostgreSQL is configured; otherwise why the tests are skipped. Throws on CI instead of skipping.</summary>
    public static string? SkipReason()
    {
        if (ConnectionString is not null)
        {
            return null;
        }

        if (IsCi)
        {
            throw new InvalidOperationException(
                $"{ConnectionStringVariable} is not set but CI=true: the PostgreSQL server tests must run on CI. Run ./test.sh, which starts a throwaway PostgreSQL.");
        }

        return $"{ConnectionStringVariable} is not set (run ./test.sh to start a throwaway PostgreSQL); skipped locally, fails on CI.";
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
