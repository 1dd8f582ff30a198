namespace SagaDemo.Saga;

/// <summary>Exponential backoff: the first delay, then twice it, four times it, ... never above the cap.</summary>
public static class Backoff
{
    public static TimeSpan Exponential(TimeSpan first, int attempt, TimeSpan? cap = null)
    {
        // In ticks as a double, so that a long run of attempts caps instead of overflowing TimeSpan.
        var ticks = first.Ticks * Math.Pow(2, Math.Max(attempt - 1, 0));
        return TimeSpan.FromTicks((long)Math.Min(ticks, (cap ?? TimeSpan.MaxValue).Ticks));
    }
}
