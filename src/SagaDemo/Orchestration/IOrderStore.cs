using SagaDemo.Contracts;

namespace SagaDemo.Orchestration;

public interface IOrderStore
{
    /// <summary>Adds a new order; when its id is taken, adds nothing and returns the order already stored.</summary>
    Task<Order?> TryAddAsync(Order order, CancellationToken cancellationToken);

    /// <summary>
    /// Saves a changed order if the stored one still has the same <see cref="Order.Version"/>;
    /// returns it with the next version, or throws <see cref="ConcurrencyConflictException"/>.
    /// </summary>
    Task<Order> UpdateAsync(Order order, CancellationToken cancellationToken);

    Task<Order?> FindAsync(string orderId, CancellationToken cancellationToken);

    /// <summary>The newest orders first, optionally only those with one status.</summary>
    Task<IReadOnlyList<Order>> ListAsync(OrderStatus? status, int limit, CancellationToken cancellationToken);
}

public sealed class ConcurrencyConflictException(string orderId, long expectedVersion)
    : Exception($"Order {orderId} changed since version {expectedVersion}; reload it before saving.");
