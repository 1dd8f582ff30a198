using SagaDemo.Contracts;
using SagaDemo.Orchestration;

namespace SagaDemo.Storage;

public interface IOrderStore : IStore
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

    /// <summary>Unfinished orders (pending, compensating) that nobody holds a lease on and that are due at <paramref name="now"/>.</summary>
    Task<IReadOnlyList<Order>> ListRecoverableAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken);
}

public sealed class ConcurrencyConflictException(string orderId, long expectedVersion)
    : Exception($"Order {orderId} changed since version {expectedVersion}; reload it before saving.");

public sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
