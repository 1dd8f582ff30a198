using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using SagaDemo.Clients;
using SagaDemo.Saga;

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

    /// <summary>A pass starts no new order after this long; the orders it did not reach stay due for the next one.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan MaxPassDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>This orchestrator's name in leases; unique per process unless set.</summary>
    public string InstanceId { get; set; } = $"{Environment.MachineName}-{Guid.NewGuid():N}";
}

/// <summary>
/// Refuses a lease shorter than one participant call's worst case with all its retries (every try
/// running out of time, every backoff at its longest): the orchestrator renews its lease only
/// between calls, so a shorter one would let recovery take over a saga that is still running.
/// </summary>
public sealed class LeaseOutlastsACall(IOptions<ResilienceOptions> resilience) : IValidateOptions<RecoveryOptions>
{
    public ValidateOptionsResult Validate(string? name, RecoveryOptions options)
    {
        var worst = WorstCall(resilience.Value);
        return options.LeaseDuration > worst
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"Recovery__LeaseDuration ({options.LeaseDuration}) must be longer than one participant call with all its retries " +
                $"({worst:c}: {resilience.Value.RetryCount + 1} tries of Resilience__PerTryTimeout {resilience.Value.PerTryTimeout} plus their backoff); " +
                "raise it, or lower Resilience__PerTryTimeout or Resilience__RetryCount.");
    }

    /// <summary>Every try times out; every wait is the longest the jitter allows (1.5 × the exponential backoff).</summary>
    public static TimeSpan WorstCall(ResilienceOptions resilience)
    {
        var worst = resilience.PerTryTimeout * (resilience.RetryCount + 1);
        for (var retry = 1; retry <= resilience.RetryCount; retry++)
        {
            worst += Backoff.Exponential(resilience.RetryBaseDelay, retry) * 1.5;
        }
        return worst;
    }
}
