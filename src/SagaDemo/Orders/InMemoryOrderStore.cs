using SagaDemo.Saga;

namespace SagaDemo.Orders;

/// <summary>
/// Orders in process memory: fast, and gone when the process stops (the log begins with the process).
/// A plain dictionary under one lock, held only to look up or swap one entry, or to copy the entries
/// a listing reads: 28 bytes per order where a ConcurrentDictionary takes about 60 (bench/README.md).
/// Beside it, kept up by every write: the ids of the unfinished orders (recovery searches those, the
/// few in flight, not every order ever placed) and how many orders have each status.
/// </summary>
public sealed class InMemoryOrderStore(TimeProvider clock) : IOrderStore
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, Order> orders = new(StringComparer.Ordinal);
    private readonly HashSet<string> unfinished = new(StringComparer.Ordinal);
    private readonly long[] countOf = new long[Enum.GetValues<SagaStatus>().Length];
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
        lock (gate)
        {
            if (!orders.TryAdd(order.OrderId, order))
            {
                return Task.FromResult(SagaWrite<OrderDetails>.Exists(orders[order.OrderId]));
            }
            Track(order.OrderId, before: null, after: order.Status);
            return Task.FromResult(SagaWrite<OrderDetails>.Ok(order));
        }
    }

    public Task<SagaWrite<OrderDetails>> UpdateAsync(Order order, CancellationToken cancellationToken)
    {
        var next = order with { Version = order.Version + 1 };
        lock (gate)
        {
            if (!orders.TryGetValue(order.OrderId, out var stored) || stored.Version != order.Version)
            {
                return Task.FromResult(SagaWrite<OrderDetails>.Lost(order));
            }
            orders[order.OrderId] = next;
            Track(order.OrderId, stored.Status, next.Status);
            return Task.FromResult(SagaWrite<OrderDetails>.Ok(next));
        }
    }

    public Task<Order?> FindAsync(string orderId, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult(orders.GetValueOrDefault(orderId));
        }
    }

    public Task<IReadOnlyList<Order>> ListAsync(SagaStatus? status, int limit, CancellationToken cancellationToken) =>
        Page(Matching(order => status is null || order.Status == status)
            .OrderByDescending(order => order.CreatedAt).ThenByDescending(order => order.OrderId, StringComparer.Ordinal), limit);

    public Task<IReadOnlyDictionary<SagaStatus, long>> CountByStatusAsync(CancellationToken cancellationToken)
    {
        var counts = new Dictionary<SagaStatus, long>();
        lock (gate)
        {
            foreach (var status in Enum.GetValues<SagaStatus>())
            {
                if (countOf[(int)status] > 0)
                {
                    counts[status] = countOf[(int)status];
                }
            }
        }
        return Task.FromResult<IReadOnlyDictionary<SagaStatus, long>>(counts);
    }

    public Task<IReadOnlyList<Order>> ListRecoverableAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        List<Order> due;
        lock (gate)
        {
            due = unfinished.Select(id => orders[id])
                .Where(order => (order.LeaseUntil is null || order.LeaseUntil < now) && (order.NextAttemptAt is null || order.NextAttemptAt <= now))
                .ToList();
        }
        return Page(due.OrderBy(order => order.CreatedAt), limit);
    }

    public Task<int> DeleteExpiredAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken)
    {
        var deleted = 0;
        lock (gate)
        {
            foreach (var order in orders.Values.Where(o => SagaStates.IsEnded(o.Status) && o.UpdatedAt < before).Take(limit).ToList())
            {
                orders.Remove(order.OrderId);
                Track(order.OrderId, order.Status, after: null);
                deleted++;
            }
        }
        return Task.FromResult(deleted);
    }

    /// <summary>Keeps the unfinished ids and the counts up with one order's write (under the lock).</summary>
    private void Track(string orderId, SagaStatus? before, SagaStatus? after)
    {
        if (before is { } old)
        {
            countOf[(int)old]--;
        }
        if (after is { } now)
        {
            countOf[(int)now]++;
        }
        if (after is { } status && SagaStates.IsUnfinished(status))
        {
            unfinished.Add(orderId);
        }
        else
        {
            unfinished.Remove(orderId);
        }
    }

    /// <summary>The orders that match, copied under the lock (sorted and paged outside it).</summary>
    private List<Order> Matching(Func<Order, bool> match)
    {
        lock (gate)
        {
            return orders.Values.Where(match).ToList();
        }
    }

    private static Task<IReadOnlyList<Order>> Page(IEnumerable<Order> orders, int limit) =>
        Task.FromResult<IReadOnlyList<Order>>(orders.Take(limit).ToList());
}
