using System.Collections.Immutable;
using SagaDemo.Contracts;
using SagaDemo.Sagas;

namespace SagaDemo.Orchestration;

/// <summary>What was ordered: a validated <see cref="OrderRequest"/>.</summary>
public sealed record OrderDetails(
    string OrderId,
    decimal Amount,
    string Sku,
    int Quantity,
    string Slot,
    bool ForcePaymentFailure,
    bool ForceInventoryFailure,
    bool ForceDeliveryFailure)
{
    public static OrderDetails From(OrderRequest request) => new(
        request.OrderId!, request.Amount!.Value, request.Sku!, request.Quantity!.Value, request.Slot!,
        request.ForcePaymentFailure, request.ForceInventoryFailure, request.ForceDeliveryFailure);
}

/// <summary>
/// An order and its saga's durable record. Immutable: every change is a new value with the version
/// the store checks, so a stale writer cannot overwrite a newer state. The lease says which
/// orchestrator drives the order and until when; recovery takes over orders whose lease ran out.
/// </summary>
public sealed record Order(
    OrderDetails Details,
    OrderStatus Status,
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
    public string OrderId => Details.OrderId;

    public static Order Accept(OrderDetails details, DateTimeOffset now) =>
        new(details, OrderStatus.Pending, null, null, [], now, now);

    /// <summary>Where the latest call of this step and action still pending sits in the history, or -1.</summary>
    public int LastPendingCall(string step, SagaAction action)
    {
        for (var i = History.Length - 1; i >= 0; i--)
        {
            if (History[i] is { Outcome: CallOutcome.Pending } call && call.Step == step && call.Action == action)
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>The outcome of the latest call of this step and action, or null if there was none.</summary>
    public CallOutcome? LastOutcome(string step, SagaAction action) =>
        History.LastOrDefault(call => call.Step == step && call.Action == action)?.Outcome;

    /// <summary>
    /// A step must be undone if its reserve succeeded or may have (unknown, or still pending when
    /// the orchestrator stopped), and no cancel of it has succeeded yet.
    /// </summary>
    public bool NeedsCompensation(string step) =>
        LastOutcome(step, SagaAction.Reserve) is CallOutcome.Succeeded or CallOutcome.Unknown or CallOutcome.Pending
        && LastOutcome(step, SagaAction.Cancel) != CallOutcome.Succeeded;

    /// <summary>The saga told as a story, derived from the history: "payment reserved", "inventory failed", ...</summary>
    public IReadOnlyList<string> Steps()
    {
        var lines = new List<string>();
        for (var i = 0; i < History.Length; i++)
        {
            var call = History[i];
            if (call.Action == SagaAction.Reconcile)
            {
                lines.Add($"{call.Step} released by the reconciler");
            }
            else if (call.Action == SagaAction.Reserve)
            {
                lines.Add($"{call.Step} {call.Outcome switch
                {
                    CallOutcome.Succeeded => "reserved",
                    CallOutcome.Failed => "failed",
                    CallOutcome.Pending => "reserving",
                    _ => "unknown",
                }}");
            }
            else if (call.Outcome is CallOutcome.Succeeded or CallOutcome.Pending)
            {
                lines.Add($"{call.Step} {(call.Outcome == CallOutcome.Succeeded ? "cancelled" : "cancelling")}");
            }
            else if (!History.Skip(i + 1).Any(later => later.Step == call.Step && later.Action == SagaAction.Cancel))
            {
                // Only the last failed try of a compensation is told; earlier ones were retried.
                lines.Add($"{call.Step} cancel failed");
            }
        }
        return lines;
    }

    public OrderView ToView(IReadOnlyDictionary<string, ParticipantState>? participants = null) => new(
        OrderId, Status, Details.Amount, Details.Sku, Details.Quantity, Details.Slot,
        Details.ForcePaymentFailure, Details.ForceInventoryFailure, Details.ForceDeliveryFailure,
        Failure, Steps(), History, CreatedAt, UpdatedAt, participants);
}
