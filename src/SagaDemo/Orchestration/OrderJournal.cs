using System.Collections.Immutable;
using SagaDemo.Contracts;
using SagaDemo.Sagas;
using SagaDemo.Storage;

namespace SagaDemo.Orchestration;

/// <summary>
/// Keeps one order's record in step with its saga, write-ahead: the intent of every call is
/// committed before the call, its outcome with the next write, and every status change before it is
/// acted on. Each write also renews this orchestrator's lease on the order.
/// </summary>
public sealed class OrderJournal(IOrderStore store, Order order, TimeProvider clock, RecoveryOptions options, bool isNew = false) : ISagaJournal
{
    // A new order is inserted by its first write, which carries the first call's intent: one write
    // fewer per saga, and still nothing is called before the order is committed.
    private bool isNew = isNew;

    public Order Current { get; private set; } = order;

    /// <summary>
    /// Recovery takes the order: its lease, in a versioned write that fails with
    /// <see cref="ConcurrencyConflictException"/> if someone changed the order first. A call still
    /// pending was cut off by the stop, so its outcome becomes unknown.
    /// </summary>
    public Task ClaimAsync() =>
        SaveAsync(Current with
        {
            History = ImmutableArray.CreateRange(Current.History, call => call.Outcome == CallOutcome.Pending
                ? call with { Outcome = CallOutcome.Unknown, Detail = "The orchestrator stopped during this call; its outcome is unknown." }
                : call),
        });

    public Task CallStartingAsync(StepCall intent) =>
        SaveAsync(Current with { History = Current.History.Add(intent) });

    /// <summary>
    /// Keeps a call's outcome for the next write: the next call's intent, or the status change that
    /// acts on the outcome, commits it in the same transaction. Nothing is ever done on an outcome
    /// that is not committed, and a saga takes about half the writes. If the orchestrator stops in
    /// between, the call is still pending in the log, so recovery treats its outcome as unknown.
    /// </summary>
    public Task RecordAsync(StepCall call)
    {
        var pending = Current.LastPendingCall(call.Step, call.Action);
        Current = Current with { History = pending < 0 ? Current.History.Add(call) : Current.History.SetItem(pending, call) };
        return Task.CompletedTask;
    }

    public Task CompensatingAsync(string failedStep, StepOutcome failure) =>
        SaveAsync(Current with
        {
            Status = OrderStatus.Compensating,
            Failure = $"{char.ToUpperInvariant(failedStep[0])}{failedStep[1..]} reservation failed: {failure.Detail}",
            FailureStatus = failure.Status,
        });

    /// <summary>Recovery found the saga stopped before every step was reserved: it will be compensated.</summary>
    public Task InterruptedAsync() =>
        SaveAsync(Current with
        {
            Status = OrderStatus.Compensating,
            Failure = Current.Failure ?? "The saga was interrupted (the orchestrator stopped) before every step was reserved; what it had reserved is released.",
        });

    public Task ConfirmAsync() => SaveAsync(Current with { Status = OrderStatus.Confirmed }, release: true);

    /// <summary>
    /// After a round of compensation: cancelled if nothing is owed; otherwise the order waits for the
    /// next round (capped exponential backoff), or, with the budget spent, needs an operator.
    /// </summary>
    public Task CompensatedAsync(IReadOnlyList<string> owed)
    {
        if (owed.Count == 0)
        {
            return SaveAsync(Current with { Status = OrderStatus.Cancelled, NextAttemptAt = null }, release: true);
        }

        var rounds = Current.CompensationRounds + 1;
        return SaveAsync(Current with
        {
            Status = rounds >= options.MaxCompensationRounds ? OrderStatus.CompensationFailed : OrderStatus.Compensating,
            CompensationRounds = rounds,
            NextAttemptAt = clock.GetUtcNow() + Backoff.Exponential(options.RetryBaseDelay, rounds, options.RetryMaxDelay),
        }, release: true);
    }

    private async Task SaveAsync(Order changed, bool release = false)
    {
        var now = clock.GetUtcNow();
        var next = changed with
        {
            UpdatedAt = now,
            LeaseOwner = release ? null : options.InstanceId,
            LeaseUntil = release ? null : now + options.LeaseDuration,
        };
        // Once accepted, an order is carried to its end even if the client goes away: no request token here.
        if (isNew)
        {
            Current = await store.TryAddAsync(next, CancellationToken.None) is { } recorded
                ? throw new OrderAlreadyExistsException(recorded)
                : next;
            isNew = false;
            return;
        }
        Current = await store.UpdateAsync(next, CancellationToken.None);
    }
}
