namespace Strongroom.Client.Tests.Support;

/// <summary>The system clock moved by a fixed offset: a second process whose clock runs ahead of (or behind) this one.</summary>
public sealed class ShiftedClock(TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
}
