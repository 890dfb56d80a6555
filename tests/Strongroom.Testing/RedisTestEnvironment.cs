namespace Strongroom.Testing;

/// <summary>
/// Where the Redis tests find their server: <c>STRONGROOM_TEST_REDIS</c> (<c>host:port</c>, started by test.sh with
/// persistence off) and <c>STRONGROOM_TEST_REDIS_SERVER</c> (the redis-server binary, for tests that run and stop their own).
/// Skipped locally without them, but FAIL with <c>CI=true</c>, as the PostgreSQL tests do.
/// </summary>
public static class RedisTestEnvironment
{
    public const string ConfigurationVariable = "STRONGROOM_TEST_REDIS";
    public const string ServerVariable = "STRONGROOM_TEST_REDIS_SERVER";

    public static string? Configuration => NullIfEmpty(Environment.GetEnvironmentVariable(ConfigurationVariable));

    public static string? ServerBinary => NullIfEmpty(Environment.GetEnvironmentVariable(ServerVariable));

    /// <summary>Null when Redis is configured; otherwise why the tests are skipped. Throws on CI instead of skipping.</summary>
    public static string? SkipReason(bool needServerBinary = false)
    {
        if (Configuration is not null && (!needServerBinary || ServerBinary is not null))
        {
            return null;
        }

        string missing = Configuration is null ? ConfigurationVariable : ServerVariable;
        if (PostgresTestEnvironment.IsCi)
        {
            throw new InvalidOperationException($"{missing} is not set but CI=true: the Redis tests must run on CI. Run ./test.sh, which starts a throwaway Redis.");
        }

        return $"{missing} is not set (run ./test.sh to start a throwaway Redis); skipped locally, fails on CI.";
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
