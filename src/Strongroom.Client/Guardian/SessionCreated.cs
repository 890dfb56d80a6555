namespace Strongroom.Client.Guardian;

/// <summary>
/// A card-entry session the vault opened (<c>{"session_id": …}</c>): send the cardholder to
/// <see cref="FormPath"/> or complete it from your own page with <see cref="SessionsClient.CompleteAsync(Guid, CardDetails, CancellationToken)"/>.
/// </summary>
public sealed record SessionCreated(Guid SessionId)
{
    /// <summary>The hosted card form of the session, relative to the vault's base address.</summary>
    public string FormPath => $"/sessions/{SessionId}/form";
}
