using Strongroom.Core.Cards;

namespace Strongroom.Core.Tenancy;

/// <summary>
/// An isolation domain: every token, key and session belongs to exactly one tenant, and no
/// principal of one tenant can observe another's records. An account is a tenant without a parent;
/// a sub-account is a tenant whose <see cref="ParentId"/> is its account. A sub-account has its own
/// keys, tokens and API keys: its parent manages it but does not see into it.
/// </summary>
public sealed record Tenant(Guid Id, string Name, DateTimeOffset CreatedAt, Guid? ParentId = null)
{
    public bool IsSubAccount => ParentId is not null;

    public const int MaxNameLength = 100;

    public static string? ValidateName(string? name) =>
        string.IsNullOrWhiteSpace(name) ? "Name is required."
        : name.Length > MaxNameLength ? $"Name must be at most {MaxNameLength} characters."
        : name.Any(char.IsControl) ? "Name must not contain control characters."
        : PanDetector.ContainsPan(name) ? "Name must not contain a card number."
        : null;
}
