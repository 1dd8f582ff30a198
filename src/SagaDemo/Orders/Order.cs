global using Order = SagaDemo.Saga.SagaLog<SagaDemo.Orders.OrderDetails>;
using System.Diagnostics;
using SagaDemo.Contracts;
using SagaDemo.Saga;

namespace SagaDemo.Orders;

/// <summary>What was ordered: a validated <see cref="OrderRequest"/>. A value, kept inside its saga's log (no object of its own).</summary>
public readonly record struct OrderDetails(
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
        request.OrderId!, request.Amount!.Value, Canonical.Sku(request.Sku!), request.Quantity!.Value, Canonical.Slot(request.Slot!),
        request.ForcePaymentFailure, request.ForceInventoryFailure, request.ForceDeliveryFailure);
}

/// <summary>What an order is beyond its saga's log: its id, its story, and the view the API shows.</summary>
public static class OrderLogs
{
    extension(Order order)
    {
        public string OrderId => order.Details.OrderId;

        /// <summary>The saga told as a story, derived from the history: "payment reserved", "inventory failed", ...</summary>
        public IReadOnlyList<string> Narrative()
        {
            var lines = new List<string>();
            for (var i = 0; i < order.History.Length; i++)
            {
                var call = order.History[i];
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
                        CallOutcome.NotSent => "not sent",
                        _ => "unknown",
                    }}");
                }
                else if (call.Outcome is CallOutcome.Succeeded or CallOutcome.Pending)
                {
                    lines.Add($"{call.Step} {(call.Outcome == CallOutcome.Succeeded ? "cancelled" : "cancelling")}");
                }
                else if (!order.History.Skip(i + 1).Any(later => later.Step == call.Step && later.Action == SagaAction.Cancel))
                {
                    // Only the last failed try of a compensation is told; earlier ones were retried.
                    lines.Add($"{call.Step} cancel failed");
                }
            }
            return lines;
        }

        public OrderView ToView(IReadOnlyDictionary<string, ParticipantState>? participants = null) => new(
            order.OrderId, order.Status, order.Details.Amount, order.Details.Sku, order.Details.Quantity, order.Details.Slot,
            order.Details.ForcePaymentFailure, order.Details.ForceInventoryFailure, order.Details.ForceDeliveryFailure,
            order.Failure, order.Narrative(), order.History, order.CreatedAt, order.UpdatedAt, participants,
            order.TraceParent is { } trace && ActivityContext.TryParse(trace, null, out var context) ? context.TraceId.ToHexString() : null);
    }
}
