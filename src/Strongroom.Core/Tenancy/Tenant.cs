namespace Strongroom.Core.Tenancy;

/// <summary>
/// An isolation domain: every token, key and session belongs to exactly one tenant, and no
/// principal of one tenant can observe another's records.
/// </summary>
public sealed record Tenant(Guid Id, string Name, DateTimeOffset CreatedAt)
{
    public const int MaxNameLength = 100;

    public static string? ValidateName(string? name) =>
        string.IsNullOrWhiteSpace(name) ? "Name is required."
        : name.Length > MaxNameLength ? $"Name must be at most {MaxNameLength} characters."
        : name.Any(char.IsControl) ? "Name must not contain control characters."
        : null;
}
