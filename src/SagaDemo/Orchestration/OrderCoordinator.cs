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
public sealed class OrderCoordinator(
    IOrderStore store, OrderJournals journals, SagaRunner runner, IServiceScopeFactory scopes, ILogger<OrderCoordinator> logger)
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
        logger.LogDebug("Order {OrderId} received; starting its saga unless the id is already recorded", details.OrderId);

        // The saga gets a scope of its own, so it does not depend on the request that started it.
        using var scope = scopes.CreateScope();
        var saga = scope.ServiceProvider.GetRequiredService<OrderSaga>();
        // The order is committed (with this orchestrator's lease) by the journal's first write, the
        // first call's intent, before any participant is called. That write is an insert that fails
        // if the id is recorded already (OrderAlreadyExistsException below): a repeated request is
        // answered from the record without a read beforehand, and no participant is called.
        var journal = journals.Begin(details);
        try
        {
            var result = await runner.RunAsync(saga.Steps, details, journal, CancellationToken.None);
            await (result.Succeeded ? journal.ConfirmAsync() : journal.CompensatedAsync(result.CompensationsOwed));
            if (result.CompensationsOwed.Count > 0)
            {
                logger.LogError("Order {OrderId} is left {Status}: compensation still owed for {Steps}; recovery retries it",
                    details.OrderId, journal.Current.Status, string.Join(", ", result.CompensationsOwed));
            }
            else
            {
                // The one line a saga writes at Information: how it ended and what it did.
                logger.LogInformation("Order {OrderId} is {Status}: {Steps}", details.OrderId, journal.Current.Status,
                    string.Join(", ", journal.Current.Steps()));
            }
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
            logger.LogWarning("Order {OrderId} was taken over by recovery while its saga ran", details.OrderId);
            return await store.FindAsync(details.OrderId, CancellationToken.None) ?? journal.Current;
        }
    }
}
