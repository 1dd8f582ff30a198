using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace SagaDemo.Saga;

/// <summary>
/// A saga's durable log: what it is about (<typeparamref name="TData"/>), its state, and every call
/// it made, each intent written before its call. Immutable: every change is a new value with the
/// version the store checks, so a stale writer cannot overwrite a newer state. The lease says which
/// orchestrator drives the saga and until when; recovery takes over sagas whose lease ran out.
/// <see cref="Failure"/> says why the saga is being undone; <see cref="FailureOutcome"/> is the
/// outcome of the call that failed (null if the saga was interrupted), <see cref="FailureTimedOut"/>
/// whether an unknown one was for want of an answer in time. <see cref="TraceParent"/> is the W3C
/// trace context the saga started in (when traces are recorded), so later drives link to it.
/// Its four times are kept as <see cref="UtcTicks"/>: a log held in memory is 48 bytes smaller (bench/README.md).
/// </summary>
public sealed record SagaLog<TData>(
    TData Details,
    SagaStatus Status,
    string? Failure,
    CallOutcome? FailureOutcome,
    bool FailureTimedOut,
    ImmutableArray<StepCall> History,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? LeaseOwner = null,
    DateTimeOffset? LeaseUntil = null,
    int CompensationRounds = 0,
    DateTimeOffset? NextAttemptAt = null,
    long Version = 0,
    string? TraceParent = null)
{
    private readonly long createdAt = UtcTicks.Of(CreatedAt);
    private readonly long updatedAt = UtcTicks.Of(UpdatedAt);
    private readonly long leaseUntil = UtcTicks.Of(LeaseUntil);
    private readonly long nextAttemptAt = UtcTicks.Of(NextAttemptAt);

    public DateTimeOffset CreatedAt { get => UtcTicks.Time(createdAt); init => createdAt = UtcTicks.Of(value); }

    public DateTimeOffset UpdatedAt { get => UtcTicks.Time(updatedAt); init => updatedAt = UtcTicks.Of(value); }

    public DateTimeOffset? LeaseUntil { get => UtcTicks.OptionalTime(leaseUntil); init => leaseUntil = UtcTicks.Of(value); }

    public DateTimeOffset? NextAttemptAt { get => UtcTicks.OptionalTime(nextAttemptAt); init => nextAttemptAt = UtcTicks.Of(value); }

    /// <summary>A new saga's log, not stored yet: its first write inserts it.</summary>
    public static SagaLog<TData> Begin(TData details, DateTimeOffset now) => new(details, SagaStatus.Pending, null, null, false, [], now, now);

    /// <summary>
    /// Logs written before the one outcome vocabulary kept the failed call as "failure_status"
    /// (rejected, unreachable, timed_out): read into <see cref="FailureOutcome"/> and
    /// <see cref="FailureTimedOut"/>, never written.
    /// </summary>
    [JsonPropertyName("failure_status")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? FailureStatusOfOlderLogs
    {
        get => null;
        init
        {
            FailureOutcome = value switch
            {
                "rejected" => CallOutcome.Failed,
                "unreachable" or "timed_out" => CallOutcome.Unknown,
                _ => FailureOutcome,
            };
            FailureTimedOut |= value == "timed_out";
        }
    }

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
