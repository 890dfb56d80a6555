namespace Strongroom.Testing;

/// <summary>
/// A clock that stands still until a test moves it (<see cref="Advance"/>, <see cref="SetUtcNow"/>). Timers
/// (<c>Task.Delay</c> and <c>PeriodicTimer</c> on this provider) run on real time unless <see cref="DrivesTimers"/> is set
/// before they are created; then they fire only when the clock passes their due time, so a test can step through a wait
/// (e.g. a key rotation waiting out the key-cache lifetime).
/// </summary>
public sealed class ManualClock : TimeProvider
{
    /// <summary>A fixed, millisecond-aligned start so every run sees the same dates (cards expiring before 2031 are expired).</summary>
    public static readonly DateTimeOffset DefaultStart = new(2031, 3, 10, 9, 0, 0, TimeSpan.Zero);

    private readonly Lock _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private long _utcTicks;

    public ManualClock()
        : this(DefaultStart)
    {
    }

    public ManualClock(DateTimeOffset start) => _utcTicks = start.UtcTicks;

    public bool DrivesTimers { get; set; }

    /// <summary>How many timers on this clock will fire within <paramref name="horizon"/> (only when <see cref="DrivesTimers"/> is set).</summary>
    public int TimersDueWithin(TimeSpan horizon)
    {
        DateTimeOffset limit = GetUtcNow() + horizon;
        lock (_gate)
        {
            return _timers.Count(t => t.Due <= limit);
        }
    }

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _utcTicks), TimeSpan.Zero);

    public void Advance(TimeSpan by)
    {
        Interlocked.Add(ref _utcTicks, by.Ticks);
        FireDueTimers();
    }

    public void SetUtcNow(DateTimeOffset value)
    {
        Interlocked.Exchange(ref _utcTicks, value.UtcTicks);
        FireDueTimers();
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (!DrivesTimers)
        {
            return base.CreateTimer(callback, state, dueTime, period);
        }

        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        lock (_gate)
        {
            _timers.Add(timer);
        }

        return timer;
    }

    private void FireDueTimers()
    {
        if (!DrivesTimers)
        {
            return;
        }

        DateTimeOffset now = GetUtcNow();
        List<ManualTimer> due;
        lock (_gate)
        {
            due = [.. _timers.Where(t => t.Due <= now)];
            foreach (ManualTimer timer in due)
            {
                timer.Due = timer.Period is { } period ? timer.Due + period : null;
            }
        }

        foreach (ManualTimer timer in due)
        {
            ThreadPool.QueueUserWorkItem(_ => timer.Callback(timer.State));
        }
    }

    private sealed class ManualTimer(ManualClock clock, TimerCallback callback, object? state) : ITimer
    {
        public TimerCallback Callback { get; } = callback;

        public object? State { get; } = state;

        public DateTimeOffset? Due { get; set; }

        public TimeSpan? Period { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._gate)
            {
                Due = dueTime == Timeout.InfiniteTimeSpan ? null : clock.GetUtcNow() + dueTime;
                Period = period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero ? null : period;
            }

            return true;
        }

        public void Dispose()
        {
            lock (clock._gate)
            {
                Due = null;
                clock._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
