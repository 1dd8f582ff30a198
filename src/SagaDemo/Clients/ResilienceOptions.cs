using System.ComponentModel.DataAnnotations;

namespace SagaDemo.Clients;

/// <summary>The retry and timeout values of every participant client (section "Resilience").</summary>
public sealed class ResilienceOptions
{
    [Range(0, 10)]
    public int RetryCount { get; set; } = 3;

    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    [Range(typeof(TimeSpan), "00:00:00.001", "00:05:00")]
    public TimeSpan PerTryTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long GET /orders/{id} waits for a participant's view before calling it unavailable.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:05:00")]
    public TimeSpan StatusLookupTimeout { get; set; } = TimeSpan.FromSeconds(2);
}
