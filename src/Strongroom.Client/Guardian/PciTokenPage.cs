namespace Strongroom.Client.Guardian;

/// <summary>One page of <c>GET /api/pci/tokens</c>; <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record PciTokenPage(IReadOnlyList<PciToken> Tokens, Guid? NextCursor);
