using System.Text.Json.Serialization;

namespace SagaDemo.Saga;

[JsonConverter(typeof(SnakeCaseEnumConverter<SagaAction>))]
public enum SagaAction
{
    Reserve,
    Cancel,

    /// <summary>The reconciler released a reservation a participant still held for the order after its saga ended.</summary>
    Reconcile,
}

[JsonConverter(typeof(SnakeCaseEnumConverter<CallOutcome>))]
public enum CallOutcome
{
    /// <summary>The intent, written before the call: if the orchestrator stops now, the outcome is unknown.</summary>
    Pending,
    Succeeded,
    Failed,
    Unknown,
}

/// <summary>One call the orchestrator made to a participant, as it appears in an order's history.</summary>
public sealed record StepCall(
    string Step,
    SagaAction Action,
    CallOutcome Outcome,
    int Attempts,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    string? Detail);
