namespace Strongroom.Client.Webhooks;

/// <summary>
/// The endpoint secrets (<c>whsec_…</c>) a receiver accepts and the timestamp tolerance. During a rotation list both the
/// new and the previous secret until the vault's grace period (24 h) is over.
/// </summary>
public sealed class WebhookVerifierOptions
{
    /// <summary>One or more endpoint secrets, <c>whsec_</c> prefix included.</summary>
    public IList<string> Secrets { get; } = [];

    /// <summary>How far the signed timestamp may be from the receiver's clock (default 5 minutes).</summary>
    public TimeSpan Tolerance { get; set; } = WebhookSignatureVerifier.DefaultTolerance;

    /// <summary>No secrets in logs.</summary>
    public override string ToString() => $"WebhookVerifierOptions {{ Secrets = {Secrets.Count}, Tolerance = {Tolerance} }}";
}
