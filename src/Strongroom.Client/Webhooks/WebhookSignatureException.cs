namespace Strongroom.Client.Webhooks;

/// <summary>A delivery whose signature did not verify (<see cref="Result"/> says why).</summary>
public sealed class WebhookSignatureException : Exception
{
    public WebhookSignatureException(WebhookVerificationResult result)
        : base($"The webhook delivery's signature did not verify: {result}.")
    {
        Result = result;
    }

    public WebhookSignatureException()
        : this(WebhookVerificationResult.MalformedSignature)
    {
    }

    public WebhookSignatureException(string message)
        : base(message)
    {
        Result = WebhookVerificationResult.MalformedSignature;
    }

    public WebhookSignatureException(string message, Exception innerException)
        : base(message, innerException)
    {
        Result = WebhookVerificationResult.MalformedSignature;
    }

    /// <summary>Why the delivery was refused.</summary>
    public WebhookVerificationResult Result { get; }
}
