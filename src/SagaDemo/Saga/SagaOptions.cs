using System.ComponentModel.DataAnnotations;

namespace SagaDemo.Saga;

public sealed class SagaOptions
{
    /// <summary>How many times one compensation is tried before the saga reports it as still owed.</summary>
    [Range(1, 100)]
    public int CompensationAttempts { get; set; } = 5;

    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan CompensationBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan CompensationMaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>New sagas running at once in this orchestrator; POST /orders beyond it is a 503 with Retry-After.</summary>
    [Range(1, 1_000_000)]
    public int MaxInFlight { get; set; } = 1000;
}
