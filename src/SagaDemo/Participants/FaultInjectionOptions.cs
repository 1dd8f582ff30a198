using System.ComponentModel.DataAnnotations;

namespace SagaDemo.Participants;

/// <summary>
/// Faults a participant can be told to simulate, for failure tests only (section "FaultInjection").
/// Everything is off by default.
/// </summary>
public sealed class FaultInjectionOptions
{
    /// <summary>Every reserve waits this long before it is decided (a slow participant). It finishes even if the caller has gone.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ReserveDelay { get; set; } = TimeSpan.Zero;
}
