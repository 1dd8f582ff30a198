using SagaDemo.Contracts;
using SagaDemo.Sagas;

namespace SagaDemo.Orchestration;

/// <summary>Keeps one order's record in step with its saga: every call and status change is saved as it happens.</summary>
public sealed class OrderJournal(IOrderStore store, Order order, TimeProvider clock) : ISagaJournal
{
    public Order Current { get; private set; } = order;

    public Task RecordAsync(StepCall call) =>
        SaveAsync(Current with { History = Current.History.Add(call) });

    public Task CompensatingAsync(string failedStep, StepOutcome failure) =>
        SaveAsync(Current with
        {
            Status = OrderStatus.Compensating,
            Failure = $"{char.ToUpperInvariant(failedStep[0])}{failedStep[1..]} reservation failed: {failure.Detail}",
            FailureStatus = failure.Status,
        });

    public Task FinishAsync(SagaResult result) =>
        SaveAsync(Current with
        {
            Status = result switch
            {
                { Succeeded: true } => OrderStatus.Confirmed,
                { CompensationsOwed.Count: 0 } => OrderStatus.Cancelled,
                _ => OrderStatus.Compensating,
            },
        });

    // The saga is not cancelled with the request that started it: once accepted, an order is
    // carried to its end even if the client goes away.
    private async Task SaveAsync(Order changed) =>
        Current = await store.UpdateAsync(changed with { UpdatedAt = clock.GetUtcNow() }, CancellationToken.None);
}
