namespace Strongroom.Client.Guardian;

/// <summary>One field the vault refused: a JSON path such as <c>$.source.expiry_month</c> and why.</summary>
public sealed record GuardianValidationError(string Path, string Message);
