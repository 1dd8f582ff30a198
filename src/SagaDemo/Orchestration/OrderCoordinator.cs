using System.Collections.Concurrent;
using SagaDemo.Contracts;
using SagaDemo.Hosting;
using SagaDemo.Sagas;
using SagaDemo.Storage;

namespace SagaDemo.Orchestration;

/// <summary>
/// Accepts orders and runs one saga per order id: a repeated request gets the recorded order,
/// and a concurrent one for the same id waits for the saga already running instead of starting another.
/// </summary>
public sealed partial class OrderCoordinator(
    IOrderStore store, OrderJournals journals, SagaRunner runner, OrderSaga saga, ILogger<OrderCoordinator> logger)
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

        // The order is committed (with this orchestrator's lease) by the journal's first write, the
        // first call's intent, before any participant is called. That write is an insert that fails
        // if the id is recorded already (OrderAlreadyExistsException below): a repeated request is
        // answered from the record without a read beforehand, and no participant is called.
        var journal = journals.Begin(details);
        try
        {
            var result = await runner.RunAsync(saga.Steps, details, journal, CancellationToken.None);
            await (result.Succeeded ? journal.ConfirmAsync() : journal.CompensatedAsync(result.CompensationsOwed));
            LogEnd(journal.Current, result);
            return journal.Current;
        }
        catch (OrderAlreadyExistsException ex)
        {
            // Recorded before (a repeated request, or another orchestrator took it first): that saga is the one.
            return ex.Recorded;
        }
        catch (ConcurrencyConflictException)
        {
            // Our lease ran out and recovery took the order over: it finishes the saga; report where it is.
            Log.TakenOver(logger, details.OrderId);
            return await store.FindAsync(details.OrderId, CancellationToken.None) ?? journal.Current;
        }
    }

    /// <summary>
    /// How the saga ended. Confirmed at Debug: that is the hot path, and GET /orders/{id} tells its
    /// story (a JSON console line per saga cost the orchestrator a fifth of its CPU: README, Benchmark).
    /// Cancelled at Information, with what failed; a compensation still owed at Error.
    /// </summary>
    private void LogEnd(Order order, SagaResult result)
    {
        if (result.CompensationsOwed.Count > 0)
        {
            Log.CompensationOwed(logger, order.OrderId, order.Status, string.Join(", ", result.CompensationsOwed));
        }
        else if (!result.Succeeded)
        {
            Log.Cancelled(logger, order.OrderId, order.Status, order.Failure, string.Join(", ", order.Steps()));
        }
        else if (logger.IsEnabled(LogLevel.Debug))
        {
            Log.Confirmed(logger, order.OrderId, order.Status, string.Join(", ", order.Steps()));
        }
    }

    // Source-generated: a disabled level costs one check, not a formatted message.
    private static partial class Log
    {
        [LoggerMessage(LogLevel.Debug, "Order {OrderId} received; starting its saga unless the id is already recorded")]
        public static partial void Received(ILogger logger, string orderId);

        [LoggerMessage(LogLevel.Debug, "Order {OrderId} is {Status}: {Steps}")]
        public static partial void Confirmed(ILogger logger, string orderId, OrderStatus status, string steps);

        [LoggerMessage(LogLevel.Information, "Order {OrderId} is {Status} ({Failure}): {Steps}")]
        public static partial void Cancelled(ILogger logger, string orderId, OrderStatus status, string? failure, string steps);

        [LoggerMessage(LogLevel.Error, "Order {OrderId} is left {Status}: compensation still owed for {Steps}; recovery retries it")]
        public static partial void CompensationOwed(ILogger logger, string orderId, OrderStatus status, string steps);

        [LoggerMessage(LogLevel.Warning, "Order {OrderId} was taken over by recovery while its saga ran")]
        public static partial void TakenOver(ILogger logger, string orderId);
    }
}
