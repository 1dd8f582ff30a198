using Microsoft.Extensions.Options;
using SagaDemo.Hosting;
using SagaDemo.Saga;

namespace SagaDemo.Orders;

/// <summary>
/// Drives every unfinished order to an end, at start-up and then periodically, through the saga's
/// driver (the planner says what is left: confirm an order whose reserves all succeeded, otherwise
/// compensate it from its durable history). An order is taken only when nobody holds its lease,
/// and taking it is a versioned write, so two replicas never drive one order at once.
/// </summary>
public sealed class OrderRecovery(
    IOrderStore store,
    SagaDriver<OrderDetails> driver,
    TimeProvider clock,
    IOptions<RecoveryOptions> options,
    ILogger<OrderRecovery> logger) : BackgroundService
{
    /// <summary>
    /// One pass: every order that is due and unleased, none started after Recovery__MaxPassDuration
    /// (a drive that has started runs to its end: stopping it mid-call would leave its lease to expire).
    /// Returns how many were driven.
    /// </summary>
    public async Task<int> RecoverDueOrdersAsync(CancellationToken cancellationToken)
    {
        var startedAt = clock.GetTimestamp();
        var due = await store.ListRecoverableAsync(clock.GetUtcNow(), options.Value.BatchSize, cancellationToken);
        var driven = 0;
        var left = 0;
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (order, ct) =>
            {
                if (clock.GetElapsedTime(startedAt) > options.Value.MaxPassDuration)
                {
                    Interlocked.Increment(ref left);
                    return;
                }
                try
                {
                    if (await TryDriveAsync(order, ct) is not null)
                    {
                        Interlocked.Increment(ref driven);
                    }
                }
                catch (Exception ex) when (!ct.IsCancellationRequested)
                {
                    // One order that cannot be driven now (its store write failed, say) must not stop
                    // the others: it stays due, with its lease, and a later pass takes it again.
                    logger.LogError(ex, "Recovery could not drive order {OrderId}; a later pass tries again", order.OrderId);
                }
            });
        if (left > 0)
        {
            logger.LogWarning("Recovery pass stopped after {Duration}: {Left} due order(s) wait for the next pass", options.Value.MaxPassDuration, left);
        }
        return driven;
    }

    /// <summary>Takes the order (if nobody else has) and drives it to an end; null if it was taken already.</summary>
    public async Task<Order?> TryDriveAsync(Order order, CancellationToken cancellationToken)
    {
        using var logScope = OrderLog.BeginScope(logger, order.OrderId);
        // Taking the lease is a versioned write: of two replicas, only one drives the order.
        var drive = await driver.ResumeAsync(order, cancellationToken);
        if (drive.End != SagaDriveEnd.Driven)
        {
            return null;
        }
        if (order.Status == SagaStatus.Pending && drive.Log.Status != SagaStatus.Confirmed)
        {
            logger.LogWarning("Recovered order {OrderId}: interrupted before every step was reserved; compensated", order.OrderId);
        }
        Report(drive.Log, drive.Owed);
        return drive.Log;
    }

    /// <summary>
    /// An operator's retry of an order whose compensation failed or is waiting: one more round, now.
    /// The rounds already spent stay counted, so redrives cannot reset the budget: each one is a round.
    /// </summary>
    public async Task<Order?> CompensateNowAsync(Order order, CancellationToken cancellationToken) =>
        await TryDriveAsync(order.MoveTo(SagaStatus.Compensating) with { NextAttemptAt = null }, cancellationToken);

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
            case SagaStatus.CompensationFailed:
                logger.LogError("Order {OrderId} is compensation_failed: {Steps} still not cancelled after {Rounds} rounds; " +
                    "fix the participant, then POST /orders/{OrderId}/compensate", order.OrderId, string.Join(", ", owed), order.CompensationRounds, order.OrderId);
                break;
            case SagaStatus.Compensating:
                logger.LogWarning("Order {OrderId}: compensation of {Steps} still owed; round {Round} of {Budget} at {NextAttemptAt}",
                    order.OrderId, string.Join(", ", owed), order.CompensationRounds + 1, options.Value.MaxCompensationRounds, order.NextAttemptAt);
                break;
            case SagaStatus.Confirmed:
                logger.LogInformation("Recovered order {OrderId}: every step was reserved, so it is confirmed", order.OrderId);
                break;
            default:
                logger.LogInformation("Order {OrderId} is {Status}", order.OrderId, SagaStates.Name(order.Status));
                break;
        }
    }
}
