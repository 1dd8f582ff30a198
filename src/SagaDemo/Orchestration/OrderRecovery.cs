using Microsoft.Extensions.Options;
using SagaDemo.Contracts;
using SagaDemo.Hosting;
using SagaDemo.Sagas;
using SagaDemo.Storage;

namespace SagaDemo.Orchestration;

/// <summary>
/// Drives every unfinished order to an end, at start-up and then periodically: an order whose
/// three reserves all succeeded is confirmed; any other is compensated, newest step first, from its
/// durable history (a call still pending when the orchestrator stopped counts as done, since its
/// outcome is unknown). An order is taken only when nobody holds its lease, and taking it is a
/// versioned write, so two replicas never drive one order at once.
/// </summary>
public sealed class OrderRecovery(
    IOrderStore store,
    OrderJournals journals,
    SagaRunner runner,
    OrderSaga saga,
    TimeProvider clock,
    IOptions<RecoveryOptions> options,
    ILogger<OrderRecovery> logger) : BackgroundService
{
    /// <summary>One pass: every order that is due and unleased. Returns how many were driven.</summary>
    public async Task<int> RecoverDueOrdersAsync(CancellationToken cancellationToken)
    {
        var due = await store.ListRecoverableAsync(clock.GetUtcNow(), options.Value.BatchSize, cancellationToken);
        var driven = 0;
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (order, ct) =>
            {
                if (await TryDriveAsync(order, ct) is not null)
                {
                    Interlocked.Increment(ref driven);
                }
            });
        return driven;
    }

    /// <summary>Takes the order (if nobody else has) and drives it to an end; null if it was taken already.</summary>
    public async Task<Order?> TryDriveAsync(Order order, CancellationToken cancellationToken)
    {
        using var logScope = OrderLog.BeginScope(logger, order.OrderId);
        var journal = journals.For(order);
        try
        {
            // Taking the lease is a versioned write: of two replicas, only one succeeds.
            await journal.ClaimAsync();
        }
        catch (ConcurrencyConflictException)
        {
            return null;
        }

        var details = journal.Current.Details;
        if (journal.Current.Status == OrderStatus.Pending)
        {
            if (saga.Steps.All(step => journal.Current.LastOutcome(step.Name, SagaAction.Reserve) == CallOutcome.Succeeded))
            {
                await journal.ConfirmAsync();
                logger.LogInformation("Recovered order {OrderId}: every step was reserved, so it is confirmed", order.OrderId);
                return journal.Current;
            }
            logger.LogWarning("Recovered order {OrderId}: interrupted before every step was reserved; compensating", order.OrderId);
            await journal.InterruptedAsync();
        }

        var undo = saga.Steps.Where(step => journal.Current.NeedsCompensation(step.Name)).Reverse();
        var owed = await runner.CompensateAsync(undo, details, journal, cancellationToken);
        await journal.CompensatedAsync(owed);
        Report(journal.Current, owed);
        return journal.Current;
    }

    /// <summary>An operator's retry of an order whose compensation failed: a fresh budget, driven now.</summary>
    public async Task<Order?> CompensateNowAsync(Order order, CancellationToken cancellationToken) =>
        await TryDriveAsync(order with { Status = OrderStatus.Compensating, CompensationRounds = 0, NextAttemptAt = null }, cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, clock);
        do
        {
            try
            {
                var driven = await RecoverDueOrdersAsync(stoppingToken);
                if (driven > 0)
                {
                    logger.LogInformation("Recovery pass drove {Count} order(s) to an end or to their next round", driven);
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Recovery pass failed; the next one runs in {Interval}", options.Value.Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private void Report(Order order, IReadOnlyList<string> owed)
    {
        switch (order.Status)
        {
            case OrderStatus.CompensationFailed:
                logger.LogError("Order {OrderId} is compensation_failed: {Steps} still not cancelled after {Rounds} rounds; " +
                    "fix the participant, then POST /orders/{OrderId}/compensate", order.OrderId, string.Join(", ", owed), order.CompensationRounds, order.OrderId);
                break;
            case OrderStatus.Compensating:
                logger.LogWarning("Order {OrderId}: compensation of {Steps} still owed; round {Round} of {Budget} at {NextAttemptAt}",
                    order.OrderId, string.Join(", ", owed), order.CompensationRounds + 1, options.Value.MaxCompensationRounds, order.NextAttemptAt);
                break;
            default:
                logger.LogInformation("Order {OrderId} is {Status}", order.OrderId, order.Status);
                break;
        }
    }
}
