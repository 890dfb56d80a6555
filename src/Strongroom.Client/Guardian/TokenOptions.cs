namespace Strongroom.Client.Guardian;

/// <summary>Options of a new PCI token: a lifetime and free-form string metadata (never card data).</summary>
/// <param name="ExpiresIn">Seconds until the vault erases the token; null keeps it until deleted.</param>
/// <param name="Metadata">Up to the vault's limits of string keys and values.</param>
public sealed record TokenOptions(int? ExpiresIn = null, IReadOnlyDictionary<string, string>? Metadata = null);
