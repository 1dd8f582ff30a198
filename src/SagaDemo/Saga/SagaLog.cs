using System.Collections.Immutable;

namespace SagaDemo.Saga;

/// <summary>
/// A saga's durable log: what it is about (<typeparamref name="TData"/>), its state, and every call
/// it made, each intent written before its call. Immutable: every change is a new value with the
/// version the store checks, so a stale writer cannot overwrite a newer state. The lease says which
/// orchestrator drives the saga and until when; recovery takes over sagas whose lease ran out.
/// </summary>
public sealed record SagaLog<TData>(
    TData Details,
    SagaStatus Status,
    string? Failure,
    StepStatus? FailureStatus,
    ImmutableArray<StepCall> History,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? LeaseOwner = null,
    DateTimeOffset? LeaseUntil = null,
    int CompensationRounds = 0,
    DateTimeOffset? NextAttemptAt = null,
    long Version = 0)
{
    /// <summary>A new saga's log, not stored yet: its first write inserts it.</summary>
    public static SagaLog<TData> Begin(TData details, DateTimeOffset now) => new(details, SagaStatus.Pending, null, null, [], now, now);

    /// <summary>The outcome of the latest call of this step and action, or null if there was none.</summary>
    public CallOutcome? LastOutcome(string step, SagaAction action)
    {
        for (var i = History.Length - 1; i >= 0; i--)
        {
            if (History[i].Step == step && History[i].Action == action)
            {
                return History[i].Outcome;
            }
        }
        return null;
    }
}
