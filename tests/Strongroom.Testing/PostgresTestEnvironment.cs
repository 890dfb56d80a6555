namespace Strongroom.Testing;

/// <summary>
/// Where the PostgreSQL tests find their server. <c>STRONGROOM_TEST_POSTGRES</c> is an Npgsql connection
/// string with rights to create databases (test.sh starts a throwaway cluster and sets it).
/// Without it the PostgreSQL tests are skipped on a developer machine, but FAIL when <c>CI=true</c>:
/// a misconfigured CI must not pass green while silently testing only SQLite.
/// </summary>
public static class PostgresTestEnvironment
{
    public const string ConnectionStringVariable = "STRONGROOM_TEST_POSTGRES";
    public const string DataDirectoryVariable = "STRONGROOM_TEST_PGDATA";

    public static string? ConnectionString => NullIfEmpty(Environment.GetEnvironmentVariable(ConnectionStringVariable));

    /// <summary>The cluster's data directory, when the tests may read its files (set by test.sh).</summary>
    public static string? DataDirectory => NullIfEmpty(Environment.GetEnvironmentVariable(DataDirectoryVariable));

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
                $"{ConnectionStringVariable} is not set but CI=true: the PostgreSQL tests must run on CI. Run ./test.sh, which starts a throwaway PostgreSQL.");
        }

        return $"{ConnectionStringVariable} is not set (run ./test.sh to start a throwaway PostgreSQL); skipped locally, fails on CI.";
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
