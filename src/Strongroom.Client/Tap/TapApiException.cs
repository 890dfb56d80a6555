using System.Net;
using Strongroom.Client.Http;

namespace Strongroom.Client.Tap;

/// <summary>An error answer of the Tap dialect, with its parsed <c>errors</c> list.</summary>
public sealed class TapApiException : StrongroomApiException
{
    public TapApiException(HttpStatusCode statusCode, IReadOnlyList<TapError> errors, TimeSpan? retryAfter = null)
        : base(statusCode, Describe(statusCode, errors), retryAfter)
    {
        Errors = errors;
    }

    public TapApiException()
        : this(HttpStatusCode.InternalServerError, [])
    {
    }

    public TapApiException(string message)
        : base(HttpStatusCode.InternalServerError, message, null)
    {
        Errors = [];
    }

    public TapApiException(string message, Exception innerException)
        : base(HttpStatusCode.InternalServerError, message, null, innerException)
    {
        Errors = [];
    }

    /// <summary>Every error the vault reported; empty when the body was not in Tap's shape.</summary>
    public IReadOnlyList<TapError> Errors { get; }

    /// <summary>True when any error carries <paramref name="code"/>.</summary>
    public bool HasCode(string code) => Errors.Any(e => e.Code == code);

    private static string Describe(HttpStatusCode status, IReadOnlyList<TapError> errors) =>
        $"Tap API answered {(int)status}: " + (errors.Count == 0
            ? "the answer was not in Tap's error shape."
            : string.Join("; ", errors.Select(e => e.Code + " " + CardNumberScrubber.Scrub(e.Description))));
}
