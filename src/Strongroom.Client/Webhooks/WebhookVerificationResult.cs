namespace Strongroom.Client.Webhooks;

/// <summary>Why a delivery was accepted or refused; anything but <see cref="Valid"/> must be answered with a 4xx and not acted on.</summary>
public enum WebhookVerificationResult
{
    /// <summary>A <c>v1</c> signature matches one of the secrets, within the tolerance.</summary>
    Valid,

    /// <summary>No <c>Strongroom-Signature</c> header.</summary>
    MissingSignature,

    /// <summary>The header has no <c>t=</c> timestamp or no <c>v1=</c> signature.</summary>
    MalformedSignature,

    /// <summary>The timestamp is further from the receiver's clock than the tolerance: a replay or a badly skewed clock.</summary>
    TimestampOutsideTolerance,

    /// <summary>No <c>v1</c> signature matches any secret: a forged or altered body, or the wrong secret.</summary>
    NoMatchingSignature,
}
