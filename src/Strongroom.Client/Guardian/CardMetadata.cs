namespace Strongroom.Client.Guardian;

/// <summary>What the vault's BIN table says about a card: never more of the number than the first six and last four.</summary>
public sealed record CardMetadata(string Bin, string MaskedAccountNumber, string Scheme, string? Funding, CardIssuer? Issuer);

/// <summary>The issuing bank, where the BIN table knows it.</summary>
public sealed record CardIssuer(string? Name, string? Country, string? Id);
