using System.Collections.Concurrent;
using SagaDemo.Saga;

namespace SagaDemo.Orders;

/// <summary>Orders in process memory: fast, and gone when the process stops (the log begins with the process).</summary>
public sealed class InMemoryOrderStore(TimeProvider clock) : IOrderStore
{
    private readonly ConcurrentDictionary<string, Order> orders = new(StringComparer.Ordinal);
    private readonly DateTimeOffset createdAt = clock.GetUtcNow();

    public InMemoryOrderStore()
        : this(TimeProvider.System)
    {
    }

    public Task<DateTimeOffset> CreatedAtAsync(CancellationToken cancellationToken) => Task.FromResult(createdAt);

    public string Description => "order store";

    public Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task PingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<SagaWrite<OrderDetails>> InsertAsync(Order order, CancellationToken cancellationToken)
    {
        var stored = orders.GetOrAdd(order.OrderId, order);
        return Task.FromResult(ReferenceEquals(stored, order) ? SagaWrite<OrderDetails>.Ok(order) : SagaWrite<OrderDetails>.Exists(stored));
    }

    public Task<SagaWrite<OrderDetails>> UpdateAsync(Order order, CancellationToken cancellationToken)
    {
        var next = order with { Version = order.Version + 1 };
        var saved = orders.TryGetValue(order.OrderId, out var stored) && stored.Version == order.Version
            && orders.TryUpdate(order.OrderId, next, stored);
        return Task.FromResult(saved ? SagaWrite<OrderDetails>.Ok(next) : SagaWrite<OrderDetails>.Lost(order));
    }

    public Task<Order?> FindAsync(string orderId, CancellationToken cancellationToken) =>
        Task.FromResult(orders.GetValueOrDefault(orderId));

    public Task<IReadOnlyList<Order>> ListAsync(SagaStatus? status, int limit, CancellationToken cancellationToken) =>
        Page(orders.Values.Where(order => status is null || order.Status == status)
            .OrderByDescending(order => order.CreatedAt).ThenByDescending(order => order.OrderId, StringComparer.Ordinal), limit);

    public Task<IReadOnlyDictionary<SagaStatus, long>> CountByStatusAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<SagaStatus, long>>(
            orders.Values.GroupBy(order => order.Status).ToDictionary(group => group.Key, group => group.LongCount()));

    public Task<IReadOnlyList<Order>> ListRecoverableAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken) =>
        Page(orders.Values
            .Where(order => SagaStates.IsUnfinished(order.Status)
                && (order.LeaseUntil is null || order.LeaseUntil < now)
                && (order.NextAttemptAt is null || order.NextAttemptAt <= now))
            .OrderBy(order => order.CreatedAt), limit);

    public Task<int> DeleteExpiredAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken)
    {
        var deleted = 0;
        foreach (var order in orders.Values.Where(o => SagaStates.IsEnded(o.Status) && o.UpdatedAt < before).Take(limit).ToList())
        {
            // Only as it was read: an order changed meanwhile is left for the next pass.
            deleted += orders.TryRemove(KeyValuePair.Create(order.OrderId, order)) ? 1 : 0;
        }
        return Task.FromResult(deleted);
    }

    private static Task<IReadOnlyList<Order>> Page(IEnumerable<Order> orders, int limit) =>
        Task.FromResult<IReadOnlyList<Order>>(orders.Take(limit).ToList());
}
