using System.Net;

namespace Strongroom.Client.Guardian;

/// <summary>
/// An error answer of the Guardian dialect (<c>{code, classifier, message, validation_errors}</c>), parsed. The message
/// never holds card data: the vault writes none into its errors, and the client masks any long digit run regardless.
/// </summary>
public sealed class GuardianApiException : StrongroomApiException
{
    public GuardianApiException(HttpStatusCode statusCode, string? classifier, string? errorMessage, IReadOnlyList<GuardianValidationError> validationErrors, TimeSpan? retryAfter = null)
        : base(statusCode, Describe(statusCode, classifier, errorMessage, validationErrors), retryAfter)
    {
        Classifier = classifier;
        ErrorMessage = errorMessage;
        ValidationErrors = validationErrors;
    }

    public GuardianApiException()
        : this(HttpStatusCode.InternalServerError, null, null, [])
    {
    }

    public GuardianApiException(string message)
        : base(HttpStatusCode.InternalServerError, message, null)
    {
        ValidationErrors = [];
    }

    public GuardianApiException(string message, Exception innerException)
        : base(HttpStatusCode.InternalServerError, message, null, innerException)
    {
        ValidationErrors = [];
    }

    /// <summary>The stable error id, e.g. <c>VALIDATION_ERROR</c>, <c>NOT_FOUND</c>, <c>CONFLICT</c>; null when the body was not Guardian's.</summary>
    public string? Classifier { get; }

    /// <summary>The vault's message (card numbers masked).</summary>
    public string? ErrorMessage { get; }

    /// <summary>The refused fields of a 422, by JSON path.</summary>
    public IReadOnlyList<GuardianValidationError> ValidationErrors { get; }

    private static string Describe(HttpStatusCode status, string? classifier, string? message, IReadOnlyList<GuardianValidationError> errors)
    {
        string text = $"Guardian API answered {(int)status} {classifier ?? status.ToString()}: {Http.CardNumberScrubber.Scrub(message)}";
        return errors.Count == 0
            ? text
            : text + " (" + string.Join("; ", errors.Select(e => e.Path + ": " + Http.CardNumberScrubber.Scrub(e.Message))) + ")";
    }
}
