using Microsoft.Extensions.Time.Testing;

namespace SagaDemo.Tests.Infrastructure;

/// <summary>
/// A fake clock that says when someone starts waiting on it (a one-shot timer: a delay), so a test
/// advances it only then; periodic schedules (the background jobs' timers) do not count.
/// </summary>
public sealed class SignallingClock : FakeTimeProvider
{
    public SemaphoreSlim TimerCreated { get; } = new(0);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        if (period == Timeout.InfiniteTimeSpan)
        {
            TimerCreated.Release();
        }
        return timer;
    }
}
