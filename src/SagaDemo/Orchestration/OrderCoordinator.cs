using System.Collections.Concurrent;
using SagaDemo.Contracts;
using SagaDemo.Sagas;

namespace SagaDemo.Orchestration;

/// <summary>
/// Accepts orders and runs one saga per order id: a repeated request gets the recorded order,
/// and a concurrent one for the same id waits for the saga already running instead of starting another.
/// </summary>
public sealed class OrderCoordinator(
    IOrderStore store, SagaRunner runner, IServiceScopeFactory scopes, TimeProvider clock, ILogger<OrderCoordinator> logger)
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
            var order = await RunOnceAsync(details, cancellationToken);
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

    private async Task<Order> RunOnceAsync(OrderDetails details, CancellationToken cancellationToken)
    {
        var order = Order.Accept(details, clock.GetUtcNow());
        if (await store.TryAddAsync(order, cancellationToken) is { } recorded)
        {
            return recorded;
        }

        using var logScope = logger.BeginScope(new Dictionary<string, object> { ["order_id"] = details.OrderId });
        logger.LogInformation("Order {OrderId} accepted; saga started", details.OrderId);

        // The saga gets a scope of its own, so it does not depend on the request that started it.
        using var scope = scopes.CreateScope();
        var saga = scope.ServiceProvider.GetRequiredService<OrderSaga>();
        var journal = new OrderJournal(store, order, clock);
        var result = await runner.RunAsync(saga.Steps, details, journal, CancellationToken.None);
        await journal.FinishAsync(result);

        var final = journal.Current;
        if (final.Status == OrderStatus.Compensating)
        {
            logger.LogError("Order {OrderId} is left compensating: compensation still owed for {Steps}",
                details.OrderId, string.Join(", ", result.CompensationsOwed));
        }
        else
        {
            logger.LogInformation("Order {OrderId} is {Status}", details.OrderId, final.Status);
        }
        return final;
    }
}
