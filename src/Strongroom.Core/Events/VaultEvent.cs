namespace Strongroom.Core.Events;

/// <summary>
/// One entry of the event outbox: written in the same transaction as the change it describes, so a
/// change and its event exist together or not at all. The webhook relay reads the outbox later
/// (<see cref="DispatchedAt"/> marks what it has fanned out). <see cref="DataJson"/> never holds card data.
/// <see cref="SubjectId"/> is the public id of what changed (a token id, <c>tok_…</c>, an API key id).
/// </summary>
public sealed record VaultEvent(
    Guid Id,
    Guid TenantId,
    string Type,
    string SubjectId,
    string DataJson,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DispatchedAt = null);

/// <summary>The event types the vault emits (webhook names).</summary>
public static class VaultEventTypes
{
    public const string PciTokenCreated = "pci_token.created";
    public const string PciTokenExpired = "pci_token.expired";
    public const string PciTokenDeleted = "pci_token.deleted";
    public const string NetworkTokenCreated = "network_token.created";
    public const string NetworkTokenStatusChanged = "network_token.status_changed";
    public const string NetworkTokenDeleted = "network_token.deleted";
    public const string NetworkTokenCryptogramIssued = "network_token.cryptogram_issued";
    public const string SessionCompleted = "session.completed";
    public const string SessionExpired = "session.expired";
    public const string CardTokenUsed = "card_token.used";
    public const string ApiKeyCreated = "api_key.created";
    public const string ApiKeyDeleted = "api_key.deleted";

    /// <summary>Every type, for filter validation and the API's list.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        PciTokenCreated, PciTokenExpired, PciTokenDeleted,
        NetworkTokenCreated, NetworkTokenStatusChanged, NetworkTokenDeleted, NetworkTokenCryptogramIssued,
        SessionCompleted, SessionExpired, CardTokenUsed, ApiKeyCreated, ApiKeyDeleted,
    ];

    /// <summary>True for a known type, or a family wildcard such as <c>pci_token.*</c>, or <c>*</c>.</summary>
    public static bool IsValidFilter(string filter) =>
        filter == "*" || All.Contains(filter, StringComparer.Ordinal) ||
        (filter.EndsWith(".*", StringComparison.Ordinal) && All.Any(t => t.StartsWith(filter[..^1], StringComparison.Ordinal)));

    /// <summary>Whether an endpoint subscribed to <paramref name="filters"/> wants <paramref name="type"/>.</summary>
    public static bool Matches(IReadOnlyList<string> filters, string type) =>
        filters.Any(f => f == "*" || f == type || (f.EndsWith(".*", StringComparison.Ordinal) && type.StartsWith(f[..^1], StringComparison.Ordinal)));
}
