using System.Net.Http.Headers;

namespace Strongroom.Client.Http;

/// <summary>Reads a 429's <c>Retry-After</c> (seconds or a date) so callers can wait exactly as long as the vault asks.</summary>
internal static class RetryAfter
{
    public static TimeSpan? Of(HttpResponseMessage response)
    {
        RetryConditionHeaderValue? header = response.Headers.RetryAfter;
        if (header?.Delta is TimeSpan delta)
        {
            return delta;
        }

        return header?.Date is DateTimeOffset date ? date - DateTimeOffset.UtcNow : null;
    }
}
