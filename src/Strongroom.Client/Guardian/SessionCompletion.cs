namespace Strongroom.Client.Guardian;

/// <summary>The answer to a completed session: the token it produced and the masked card.</summary>
public sealed record SessionCompletion(Guid SessionId, string Status, Guid? PciTokenId, Guid? NetworkTokenId, MaskedCard? Card);
