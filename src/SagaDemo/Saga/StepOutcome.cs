using System.Text.Json.Serialization;

namespace SagaDemo.Saga;

[JsonConverter(typeof(SnakeCaseEnumConverter<StepStatus>))]
public enum StepStatus
{
    Succeeded,

    /// <summary>The participant said no: nothing was taken, nothing to compensate.</summary>
    Rejected,

    /// <summary>No usable answer (connection lost, 5xx after retries): the step may or may not have happened.</summary>
    Unreachable,

    /// <summary>No answer in time: the step may or may not have happened.</summary>
    TimedOut,
}

/// <summary>What one call to a participant came to, as a value: the runner never sees exceptions.</summary>
public sealed record StepOutcome(StepStatus Status, string? Detail, int Attempts = 1)
{
    public bool Succeeded => Status == StepStatus.Succeeded;

    public bool IsUnknown => Status is StepStatus.Unreachable or StepStatus.TimedOut;

    public static StepOutcome Success(int attempts = 1) => new(StepStatus.Succeeded, null, attempts);

    public static StepOutcome Rejected(string detail, int attempts = 1) => new(StepStatus.Rejected, detail, attempts);

    public static StepOutcome Unreachable(string detail, int attempts = 1) => new(StepStatus.Unreachable, detail, attempts);

    public static StepOutcome TimedOut(string detail, int attempts = 1) => new(StepStatus.TimedOut, detail, attempts);
}
