namespace SagaDemo.Saga;

/// <summary>
/// A time kept as UTC ticks in a long: 8 bytes where a DateTimeOffset takes 16 and an optional one
/// 24. For the values a store keeps by the hundred thousand (a saga's log and its calls); every
/// time they hold is UTC, and 0 stands for "no time".
/// </summary>
public static class UtcTicks
{
    public static long Of(DateTimeOffset time) => time.UtcTicks;

    public static long Of(DateTimeOffset? time) => time?.UtcTicks ?? 0;

    public static DateTimeOffset Time(long ticks) => new(ticks, TimeSpan.Zero);

    public static DateTimeOffset? OptionalTime(long ticks) => ticks == 0 ? null : Time(ticks);
}
