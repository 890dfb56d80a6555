using Strongroom.Core.Idempotency;

namespace Strongroom.Core.Tokens;

/// <summary>
/// A PCI token sealed and ready to write, not yet written: the stored record, the token as the caller will see it, the
/// security code to keep once it commits, and the idempotent response to commit with it.
/// </summary>
internal sealed record SealedPciToken(PciTokenRecord Record, PciToken Token, string? SecurityCode, IdempotentReply<PciToken>? Reply, IdempotencyCompletion? Completion);
