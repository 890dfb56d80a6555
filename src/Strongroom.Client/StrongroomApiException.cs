using System.Net;

namespace Strongroom.Client;

/// <summary>
/// The base of every dialect's error (<see cref="Guardian.GuardianApiException"/>, <see cref="Tap.TapApiException"/>,
/// <see cref="WhiteBit.WhiteBitApiException"/>): the HTTP status and, for a 429, how long the vault asked to wait.
/// </summary>
public abstract class StrongroomApiException : HttpRequestException
{
    protected StrongroomApiException(HttpStatusCode statusCode, string message, TimeSpan? retryAfter, Exception? innerException = null)
        : base(message, innerException, statusCode)
    {
        RetryAfter = retryAfter;
    }

    /// <summary>The <c>Retry-After</c> of a 429, if the vault sent one.</summary>
    public TimeSpan? RetryAfter { get; }
}
