using System.Collections.Concurrent;
using SagaDemo.Hosting;
using SagaDemo.Saga;

namespace SagaDemo.Orders;

/// <summary>
/// Accepts orders and runs one saga per order id: a repeated request gets the recorded order,
/// and a concurrent one for the same id waits for the saga already running instead of starting another.
/// </summary>
public sealed partial class OrderCoordinator(IOrderStore store, SagaDriver<OrderDetails> driver, ILogger<OrderCoordinator> logger)
{
    private readonly ConcurrentDictionary<string, Task<Order>> inFlight = new(StringComparer.Ordinal);

    /// <summary>Returns the order with this id: the new one carried to its end, or the one recorded before.</summary>
    public async Task<Order> PlaceAsync(OrderDetails details, CancellationToken cancellationToken)
    {
        var mine = new TaskCompletionSource<Order>(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = inFlight.GetOrAdd(details.OrderId, mine.Task);
        if (running != mine.Task)
        {
            return await running.WaitAsync(cancellationToken);
        }

        try
        {
            var order = await RunOnceAsync(details);
            mine.SetResult(order);
            return order;
        }
        catch (Exception ex)
        {
            mine.SetException(ex);
            throw;
        }
        finally
        {
            inFlight.TryRemove(new KeyValuePair<string, Task<Order>>(details.OrderId, mine.Task));
        }
    }

    private async Task<Order> RunOnceAsync(OrderDetails details)
    {
        using var logScope = OrderLog.BeginScope(logger, details.OrderId);
        Log.Received(logger, details.OrderId);

        // The order is committed (with this orchestrator's lease) by the saga's first write, the first
        // call's intent, before any participant is called. That write is an insert that finds an id
        // recorded before: a repeated request is answered from the record, and no participant is called.
        var drive = await driver.StartAsync(details, CancellationToken.None);
        switch (drive.End)
        {
            case SagaDriveEnd.AlreadyExists:
                return drive.Log;
            case SagaDriveEnd.TakenOver:
                // Our lease ran out and recovery took the order over: it finishes the saga; report where it is.
                Log.TakenOver(logger, details.OrderId);
                return await store.FindAsync(details.OrderId, CancellationToken.None) ?? drive.Log;
            default:
                LogEnd(drive);
                return drive.Log;
        }
    }

    /// <summary>
    /// How the saga ended. Confirmed at Debug: that is the hot path, and GET /orders/{id} tells its
    /// story (a JSON console line per saga is a large part of its cost: see the README, Benchmark).
    /// Cancelled at Information, with what failed; a compensation still owed at Error.
    /// </summary>
    private void LogEnd(SagaDrive<OrderDetails> drive)
    {
        var order = drive.Log;
        if (drive.Owed.Count > 0)
        {
            Log.CompensationOwed(logger, order.OrderId, SagaStates.Name(order.Status), string.Join(", ", drive.Owed));
        }
        else if (order.Status != SagaStatus.Confirmed)
        {
            Log.Cancelled(logger, order.OrderId, SagaStates.Name(order.Status), order.Failure, string.Join(", ", order.Narrative()));
        }
        else if (logger.IsEnabled(LogLevel.Debug))
        {
            Log.Confirmed(logger, order.OrderId, SagaStates.Name(order.Status), string.Join(", ", order.Narrative()));
        }
    }

    // Source-generated: a disabled level costs one check, not a formatted message.
    private static partial class Log
    {
        [LoggerMessage(LogLevel.Debug, "Order {OrderId} received; starting its saga unless the id is already recorded")]
        public static partial void Received(ILogger logger, string orderId);

        [LoggerMessage(LogLevel.Debug, "Order {OrderId} is {Status}: {Steps}")]
        public static partial void Confirmed(ILogger logger, string orderId, string status, string steps);

        [LoggerMessage(LogLevel.Information, "Order {OrderId} is {Status} ({Failure}): {Steps}")]
        public static partial void Cancelled(ILogger logger, string orderId, string status, string? failure, string steps);

        [LoggerMessage(LogLevel.Error, "Order {OrderId} is left {Status}: compensation still owed for {Steps}; recovery retries it")]
        public static partial void CompensationOwed(ILogger logger, string orderId, string status, string steps);

        [LoggerMessage(LogLevel.Warning, "Order {OrderId} was taken over by recovery while its saga ran")]
        public static partial void TakenOver(ILogger logger, string orderId);
    }
}
