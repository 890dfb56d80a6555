namespace Strongroom.Core.Events;

/// <summary>
/// One entry of the event outbox: written in the same transaction as the change it describes, so a
/// change and its event exist together or not at all. Webhook delivery reads the outbox later
/// (<see cref="DispatchedAt"/> marks what has gone out). <see cref="DataJson"/> never holds card data.
/// </summary>
public sealed record VaultEvent(
    Guid Id,
    Guid TenantId,
    string Type,
    Guid SubjectId,
    string DataJson,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DispatchedAt = null);

/// <summary>The event types the vault emits (webhook names).</summary>
public static class VaultEventTypes
{
    public const string NetworkTokenCreated = "network_token.created";
    public const string NetworkTokenStatusChanged = "network_token.status_changed";
    public const string NetworkTokenDeleted = "network_token.deleted";
    public const string NetworkTokenCryptogramIssued = "network_token.cryptogram_issued";
}
