using System.Net;
using Strongroom.Client.Http;

namespace Strongroom.Client.WhiteBit;

/// <summary>
/// An error answer of the WhiteBIT dialect (<c>{code, message, errors{field:[…]}}</c>), parsed: e.g. 401 with
/// "Unauthorized request." (bad signature) or "Too many requests." (a nonce not above the previous one), 400 code 30
/// with per-field errors, 422 code 1 for an invalid card number, 422 code 0 when the fiat gateway throttles.
/// </summary>
public sealed class WhiteBitApiException : StrongroomApiException
{
    public WhiteBitApiException(HttpStatusCode statusCode, int? code, string? errorMessage, IReadOnlyDictionary<string, string[]> errors, TimeSpan? retryAfter = null)
        : base(statusCode, Describe(statusCode, code, errorMessage, errors), retryAfter)
    {
        Code = code;
        ErrorMessage = errorMessage;
        Errors = errors;
    }

    public WhiteBitApiException()
        : this(HttpStatusCode.InternalServerError, null, null, new Dictionary<string, string[]>())
    {
    }

    public WhiteBitApiException(string message)
        : base(HttpStatusCode.InternalServerError, message, null)
    {
        Errors = new Dictionary<string, string[]>();
    }

    public WhiteBitApiException(string message, Exception innerException)
        : base(HttpStatusCode.InternalServerError, message, null, innerException)
    {
        Errors = new Dictionary<string, string[]>();
    }

    /// <summary>WhiteBIT's error code (not the HTTP status); null when the body was not WhiteBIT's.</summary>
    public int? Code { get; }

    /// <summary>The vault's message, e.g. "Unauthorized request.".</summary>
    public string? ErrorMessage { get; }

    /// <summary>Messages per field (<c>cardNumber</c>, <c>subAccountId</c>, …).</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }

    private static string Describe(HttpStatusCode status, int? code, string? message, IReadOnlyDictionary<string, string[]> errors)
    {
        string text = $"WhiteBIT API answered {(int)status} (code {code?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}): {CardNumberScrubber.Scrub(message)}";
        return errors.Count == 0
            ? text
            : text + " (" + string.Join("; ", errors.Select(e => e.Key + ": " + CardNumberScrubber.Scrub(string.Join(" ", e.Value)))) + ")";
    }
}
