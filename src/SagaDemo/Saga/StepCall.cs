using System.Text.Json.Serialization;

namespace SagaDemo.Saga;

// One vocabulary for what a call came to, from a participant's answer to the stored history:
// a participant's client answers a StepOutcome (a CallOutcome and its detail), the driver records
// it unchanged as a StepCall of the saga's log, and GET /orders/{id} shows that record.

[JsonConverter(typeof(SnakeCaseEnumConverter<SagaAction>))]
public enum SagaAction : byte
{
    Reserve,
    Cancel,

    /// <summary>The reconciler released a reservation a participant still held for the order after its saga ended.</summary>
    Reconcile,
}

[JsonConverter(typeof(SnakeCaseEnumConverter<CallOutcome>))]
public enum CallOutcome : byte
{
    /// <summary>The intent, written before the call: if the orchestrator stops now, the outcome is unknown.</summary>
    Pending,

    Succeeded,

    /// <summary>The participant said no: nothing was taken, nothing to compensate.</summary>
    Failed,

    /// <summary>No usable answer (connection lost, 5xx after retries, no answer in time): the call may or may not have taken effect.</summary>
    Unknown,

    /// <summary>Not sent: the participant's circuit was open (it had stopped answering); the call took no effect.</summary>
    NotSent,
}

/// <summary>What one call to a participant came to, as a value: the driver never sees exceptions.</summary>
/// <param name="TimedOut">An unknown outcome because no answer came in time (the client answers 504, not 502).</param>
public sealed record StepOutcome(CallOutcome Outcome, string? Detail, int Attempts = 1, bool TimedOut = false)
{
    public bool Succeeded => Outcome == CallOutcome.Succeeded;

    public bool IsUnknown => Outcome == CallOutcome.Unknown;

    public static StepOutcome Success(int attempts = 1) => new(CallOutcome.Succeeded, null, attempts);

    public static StepOutcome Rejected(string detail, int attempts = 1) => new(CallOutcome.Failed, detail, attempts);

    public static StepOutcome Unknown(string detail, int attempts = 1) => new(CallOutcome.Unknown, detail, attempts);

    public static StepOutcome NoAnswerInTime(string detail, int attempts = 1) => new(CallOutcome.Unknown, detail, attempts, TimedOut: true);

    public static StepOutcome NotSent(string detail) => new(CallOutcome.NotSent, detail, 0);
}

/// <summary>
/// One call the orchestrator made to a participant, as it appears in an order's history. A value
/// kept inline in the history's array (no object of its own) in 32 bytes (it took 72; bench/README.md):
/// its start as <see cref="UtcTicks"/>, its answer as milliseconds after the start (a call lasts
/// seconds; the answer's time is kept to the millisecond), its attempts as 16 bits, its enums as bytes.
/// A with-expression may set the two times in either order: a new start keeps the answer's time.
/// </summary>
public readonly record struct StepCall
{
    private readonly long startedAt;

    // 0: no answer (also in a default StepCall); otherwise the milliseconds from the start, one added
    // to those at or after it (an answer in the start's own millisecond is 1).
    private readonly int answer;
    private readonly ushort attempts;

    public StepCall(string step, SagaAction action, CallOutcome outcome, int attempts, DateTimeOffset startedAt, DateTimeOffset? finishedAt, string? detail)
    {
        Step = step;
        Action = action;
        Outcome = outcome;
        Attempts = attempts;
        this.startedAt = UtcTicks.Of(startedAt);
        answer = Answer(this.startedAt, finishedAt);
        Detail = detail;
    }

    public string Step { get; init; }

    public SagaAction Action { get; init; }

    public CallOutcome Outcome { get; init; }

    public int Attempts
    {
        get => attempts;
        init => attempts = checked((ushort)value);
    }

    public DateTimeOffset StartedAt
    {
        get => UtcTicks.Time(startedAt);
        init
        {
            var finishedAt = FinishedAt;
            startedAt = UtcTicks.Of(value);
            answer = Answer(startedAt, finishedAt);
        }
    }

    public DateTimeOffset? FinishedAt
    {
        get => answer == 0 ? null : UtcTicks.Time(startedAt).AddMilliseconds(answer > 0 ? answer - 1 : answer);
        init => answer = Answer(startedAt, value);
    }

    public string? Detail { get; init; }

    private static int Answer(long startedAt, DateTimeOffset? finishedAt)
    {
        if (finishedAt is not { } answered)
        {
            return 0;
        }
        var afterStart = Math.Clamp(Math.Round((answered - UtcTicks.Time(startedAt)).TotalMilliseconds), int.MinValue, int.MaxValue - 1);
        return afterStart >= 0 ? (int)afterStart + 1 : (int)afterStart;
    }
}

/// <summary>The names of actions and outcomes as the API and the telemetry spell them (see <see cref="WireName{TEnum}"/>).</summary>
public static class WireNames
{
    public static string Of(SagaAction action) => WireName<SagaAction>.Of(action);

    public static string Of(CallOutcome outcome) => WireName<CallOutcome>.Of(outcome);
}
