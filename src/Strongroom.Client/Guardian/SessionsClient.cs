namespace Strongroom.Client.Guardian;

/// <summary>Card-entry sessions: the merchant server's status read, and completion from the merchant's own page.</summary>
public sealed class SessionsClient
{
    private readonly GuardianTransport _transport;

    internal SessionsClient(GuardianTransport transport) => _transport = transport;

    /// <summary>The session's status and, once completed, the resulting token (masked).</summary>
    public Task<CardSession> GetAsync(Guid sessionId, CancellationToken cancellationToken = default) =>
        _transport.SendAsync(HttpMethod.Get, $"/api/sessions/{GuardianTransport.Id(sessionId)}", GuardianJsonContext.Default.CardSession, cancellationToken);

    /// <summary>
    /// Completes a session with the card the cardholder entered (the session id is the capability; no key is needed).
    /// 409 when already completed, 410 when expired or locked, 422 for a refused card.
    /// </summary>
    public Task<SessionCompletion> CompleteAsync(Guid sessionId, CardDetails card, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(card);
        return CompleteAsync(sessionId, new CardWire(card.AccountNumber, card.ExpiryMonth, card.ExpiryYear, card.SecurityCode, card.CardholderName), cancellationToken);
    }

    /// <summary>Completes a security-code session (opened by <see cref="PciTokensClient.CreateSecurityCodeSessionAsync"/>).</summary>
    public Task<SessionCompletion> CompleteSecurityCodeAsync(Guid sessionId, string securityCode, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(securityCode);
        return CompleteAsync(sessionId, new CardWire(null, null, null, securityCode, null), cancellationToken);
    }

    private Task<SessionCompletion> CompleteAsync(Guid sessionId, CardWire card, CancellationToken cancellationToken) =>
        _transport.SendAsync(HttpMethod.Post, $"/sessions/{GuardianTransport.Id(sessionId)}/complete", card, GuardianJsonContext.Default.CardWire,
            GuardianJsonContext.Default.SessionCompletion, null, cancellationToken);
}
