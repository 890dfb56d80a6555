namespace Strongroom.Core;

internal static class TimeProviderExtensions
{
    /// <summary>
    /// Now, truncated to whole milliseconds: both stores keep Unix milliseconds, so a record handed back
    /// at creation equals the same record read back later.
    /// </summary>
    public static DateTimeOffset GetUtcNowMilliseconds(this TimeProvider time) =>
        DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());
}
