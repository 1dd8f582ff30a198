using System.Text.Json.Serialization;

namespace SagaDemo.Saga;

[JsonConverter(typeof(SnakeCaseEnumConverter<SagaStatus>))]
public enum SagaStatus : byte
{
    /// <summary>The saga is running (or was interrupted and waits for recovery).</summary>
    Pending,
    Confirmed,

    /// <summary>A step failed and compensations are still owed; recovery keeps retrying them.</summary>
    Compensating,
    Cancelled,

    /// <summary>Compensation ran out of its retry budget: an operator must look (POST /orders/{id}/compensate).</summary>
    CompensationFailed,
}

/// <summary>
/// The saga's states and the moves between them, in one table: every status change goes through
/// <see cref="MoveTo{TData}"/>, and a move the table does not allow is a bug, reported at once.
/// </summary>
public static class SagaStates
{
    private static readonly Dictionary<SagaStatus, SagaStatus[]> Moves = new()
    {
        // Running: every reserve succeeded, or one did not and what was done is undone.
        [SagaStatus.Pending] = [SagaStatus.Confirmed, SagaStatus.Compensating],
        // Undoing: done, another round later, or the budget is spent and an operator must look.
        [SagaStatus.Compensating] = [SagaStatus.Cancelled, SagaStatus.Compensating, SagaStatus.CompensationFailed],
        // An operator's redrive (POST /orders/{id}/compensate): one more round, the rounds spent still counted.
        [SagaStatus.CompensationFailed] = [SagaStatus.Compensating],
        [SagaStatus.Confirmed] = [],
        [SagaStatus.Cancelled] = [],
    };

    private static readonly Dictionary<string, SagaStatus> ByName =
        Enum.GetValues<SagaStatus>().ToDictionary(WireName<SagaStatus>.Of, StringComparer.OrdinalIgnoreCase);

    public static bool CanMove(SagaStatus from, SagaStatus to) => Moves[from].Contains(to);

    /// <summary>The log with its status moved to <paramref name="to"/>, if the table allows that move.</summary>
    public static SagaLog<TData> MoveTo<TData>(this SagaLog<TData> log, SagaStatus to) =>
        CanMove(log.Status, to) ? log with { Status = to } : throw new IllegalSagaMoveException(log.Status, to);

    /// <summary>Still to be driven by somebody: recovery looks for these.</summary>
    public static bool IsUnfinished(SagaStatus status) => status is SagaStatus.Pending or SagaStatus.Compensating;

    /// <summary>Over for good: confirmed or cancelled (compensation_failed still waits for an operator).</summary>
    public static bool IsEnded(SagaStatus status) => status is SagaStatus.Confirmed or SagaStatus.Cancelled;

    /// <summary>Statuses by their wire names (snake_case: compensation_failed), as in JSON and the stores.</summary>
    public static IEnumerable<string> Names => ByName.Keys;

    public static string Name(SagaStatus status) => WireName<SagaStatus>.Of(status);

    public static bool TryParse(string? name, out SagaStatus status) => ByName.TryGetValue(name ?? "", out status);
}

/// <summary>A status change the state table does not allow: a bug in whoever asked for it.</summary>
public sealed class IllegalSagaMoveException(SagaStatus from, SagaStatus to)
    : InvalidOperationException($"A saga cannot move from {SagaStates.Name(from)} to {SagaStates.Name(to)}.");
