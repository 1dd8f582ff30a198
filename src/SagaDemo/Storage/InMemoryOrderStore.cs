using System.Collections.Concurrent;
using SagaDemo.Contracts;
using SagaDemo.Orchestration;

namespace SagaDemo.Storage;

/// <summary>Orders in process memory: fast, and gone when the process stops.</summary>
public sealed class InMemoryOrderStore : IOrderStore
{
    private readonly ConcurrentDictionary<string, Order> orders = new(StringComparer.Ordinal);

    public string Description => "order store";

    public Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task PingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<Order?> TryAddAsync(Order order, CancellationToken cancellationToken)
    {
        var stored = orders.GetOrAdd(order.OrderId, order);
        return Task.FromResult(ReferenceEquals(stored, order) ? null : stored);
    }

    public Task<Order> UpdateAsync(Order order, CancellationToken cancellationToken)
    {
        if (!orders.TryGetValue(order.OrderId, out var stored) || stored.Version != order.Version)
        {
            throw new ConcurrencyConflictException(order.OrderId, order.Version);
        }

        var next = order with { Version = order.Version + 1 };
        return orders.TryUpdate(order.OrderId, next, stored)
            ? Task.FromResult(next)
            : throw new ConcurrencyConflictException(order.OrderId, order.Version);
    }

    public Task<Order?> FindAsync(string orderId, CancellationToken cancellationToken) =>
        Task.FromResult(orders.GetValueOrDefault(orderId));

    public Task<IReadOnlyList<Order>> ListAsync(OrderStatus? status, int limit, CancellationToken cancellationToken) =>
        Page(orders.Values.Where(order => status is null || order.Status == status)
            .OrderByDescending(order => order.CreatedAt).ThenByDescending(order => order.OrderId, StringComparer.Ordinal), limit);

    public Task<IReadOnlyList<Order>> ListRecoverableAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken) =>
        Page(orders.Values
            .Where(order => order.Status is OrderStatus.Pending or OrderStatus.Compensating
                && (order.LeaseUntil is null || order.LeaseUntil < now)
                && (order.NextAttemptAt is null || order.NextAttemptAt <= now))
            .OrderBy(order => order.CreatedAt), limit);

    private static Task<IReadOnlyList<Order>> Page(IEnumerable<Order> orders, int limit) =>
        Task.FromResult<IReadOnlyList<Order>>(orders.Take(limit).ToList());
}
