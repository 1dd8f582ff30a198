using System.Collections.Concurrent;
using SagaDemo.Contracts;

namespace SagaDemo.Orchestration;

public sealed class InMemoryOrderStore : IOrderStore
{
    private readonly ConcurrentDictionary<string, Order> orders = new(StringComparer.Ordinal);

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

    public Task<IReadOnlyList<Order>> ListAsync(OrderStatus? status, int limit, CancellationToken cancellationToken)
    {
        IReadOnlyList<Order> page = orders.Values
            .Where(order => status is null || order.Status == status)
            .OrderByDescending(order => order.CreatedAt)
            .ThenByDescending(order => order.OrderId, StringComparer.Ordinal)
            .Take(limit)
            .ToList();
        return Task.FromResult(page);
    }
}
