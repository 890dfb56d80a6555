using Strongroom.Core.Idempotency;
using Strongroom.Core.Tokens;

namespace Strongroom.Storage;

/// <summary>A write the SQLite store queues for its single writer connection instead of contending for the file's write lock.</summary>
internal abstract record SqliteWrite
{
    /// <summary>A PCI token with its event and, if any, its completed idempotency key. Outcome: always true once committed.</summary>
    public sealed record Token(PciTokenInsert Insert) : SqliteWrite;

    /// <summary>An idempotency reservation (an expired one under the same key is replaced). Outcome: whether it was reserved.</summary>
    public sealed record Reservation(IdempotencyRecord Record, DateTimeOffset Now) : SqliteWrite;
}
