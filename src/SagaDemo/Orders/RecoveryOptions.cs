using System.ComponentModel.DataAnnotations;

namespace SagaDemo.Orders;

/// <summary>How unfinished orders are found and driven to an end (section "Recovery").</summary>
public sealed class RecoveryOptions
{
    /// <summary>How often the store is searched for orders nobody drives.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long an orchestrator owns an order after its last write. It must outlast the longest
    /// participant call with its retries, or a live saga could be taken over.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Wait before the first recovery round of an order whose compensation failed; doubles each round.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The retry budget: rounds of compensation before the order becomes compensation_failed.</summary>
    [Range(1, 10_000)]
    public int MaxCompensationRounds { get; set; } = 20;

    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 100;

    /// <summary>This orchestrator's name in leases; unique per process unless set.</summary>
    public string InstanceId { get; set; } = $"{Environment.MachineName}-{Guid.NewGuid():N}";
}
