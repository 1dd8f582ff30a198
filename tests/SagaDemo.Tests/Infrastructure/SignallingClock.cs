using Microsoft.Extensions.Time.Testing;

namespace SagaDemo.Tests.Infrastructure;

/// <summary>A fake clock that says when someone starts waiting on it, so a test advances it only then.</summary>
public sealed class SignallingClock : FakeTimeProvider
{
    public SemaphoreSlim TimerCreated { get; } = new(0);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        TimerCreated.Release();
        return timer;
    }
}
