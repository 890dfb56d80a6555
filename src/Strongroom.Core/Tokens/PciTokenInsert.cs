using Strongroom.Core.Events;
using Strongroom.Core.Idempotency;

namespace Strongroom.Core.Tokens;

/// <summary>One PCI token insert of a group commit: the token, its creation event and the idempotency key it completes, if any.</summary>
public sealed record PciTokenInsert(PciTokenRecord Token, VaultEvent Created, IdempotencyCompletion? Completion = null);
