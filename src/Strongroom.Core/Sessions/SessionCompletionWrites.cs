using Strongroom.Core.Events;
using Strongroom.Core.NetworkTokens;
using Strongroom.Core.Tokens;

namespace Strongroom.Core.Sessions;

/// <summary>What completing a session writes besides the session itself: the token it creates, if any, and events.</summary>
public sealed record SessionCompletionWrites(PciTokenRecord? PciToken = null, NetworkTokenRecord? NetworkToken = null, IReadOnlyList<VaultEvent>? Events = null)
{
    public static readonly SessionCompletionWrites None = new();
}

public enum SessionWriteResult
{
    Completed,

    /// <summary>The session was no longer open (completed, locked or expired).</summary>
    SessionClosed,

    /// <summary>The network token would duplicate a live one for the same card.</summary>
    TokenConflict,
}
