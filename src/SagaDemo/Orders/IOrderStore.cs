using SagaDemo.Infrastructure.Storage;
using SagaDemo.Saga;

namespace SagaDemo.Orders;

/// <summary>Where orders (their sagas' logs) are kept: written by the saga's driver, searched by the API and recovery.</summary>
public interface IOrderStore : IStore, ISagaLogStore<OrderDetails>
{
    Task<Order?> FindAsync(string orderId, CancellationToken cancellationToken);

    /// <summary>When this log began (its first start on an empty store): a hold older than that predates everything it knows.</summary>
    Task<DateTimeOffset> CreatedAtAsync(CancellationToken cancellationToken);

    /// <summary>The newest orders first, optionally only those with one status.</summary>
    Task<IReadOnlyList<Order>> ListAsync(SagaStatus? status, int limit, CancellationToken cancellationToken);

    /// <summary>How many orders have each status (a status no order has is left out).</summary>
    Task<IReadOnlyDictionary<SagaStatus, long>> CountByStatusAsync(CancellationToken cancellationToken);

    /// <summary>Unfinished orders (pending, compensating) that nobody holds a lease on and that are due at <paramref name="now"/>.</summary>
    Task<IReadOnlyList<Order>> ListRecoverableAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken);
}
