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

    /// <summary>Calls in a row that got no usable answer (after their retries) before a participant's circuit opens.</summary>
    [Range(1, 1000)]
    public int BreakerFailures { get; set; } = 5;

    /// <summary>How long an open circuit sends nothing to its participant before one call tries again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan BreakerDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Connections open at once to one participant; calls beyond wait for one.</summary>
    [Range(1, 10000)]
    public int MaxConnectionsPerParticipant { get; set; } = 256;

    /// <summary>How long GET /orders/{id} waits for a participant's view before calling it unavailable.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:05:00")]
    public TimeSpan StatusLookupTimeout { get; set; } = TimeSpan.FromSeconds(2);
}
