namespace Strongroom.Core.Tests.Support;

/// <summary>A clock that stands still until a test moves it. Only wall-clock time is faked; timers are not.</summary>
public sealed class FakeTimeProvider : TimeProvider
{
    /// <summary>A fixed, millisecond-aligned start so every run sees the same dates (cards expiring before 2031 are expired).</summary>
    public static readonly DateTimeOffset DefaultStart = new(2031, 3, 10, 9, 0, 0, TimeSpan.Zero);

    private readonly Lock _gate = new();
    private DateTimeOffset _now;

    public FakeTimeProvider()
        : this(DefaultStart)
    {
    }

    public FakeTimeProvider(DateTimeOffset start) => _now = start;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    public void Advance(TimeSpan delta)
    {
        lock (_gate)
        {
            _now += delta;
        }
    }

    public void SetUtcNow(DateTimeOffset value)
    {
        lock (_gate)
        {
            _now = value;
        }
    }
}
