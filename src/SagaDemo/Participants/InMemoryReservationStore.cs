using SagaDemo.Contracts;

namespace SagaDemo.Participants;

/// <summary>The default book: in memory, one lock making each reserve and cancel atomic. Lost on restart.</summary>
public sealed class InMemoryReservationStore<TRequest>(IReservationRules<TRequest> rules, TimeProvider clock) : IReservationStore<TRequest>
    where TRequest : class, IReservationRequest
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, Reservation<TRequest>> byOrder = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> held = new(StringComparer.Ordinal);

    public string Description => "reservation store";

    public Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task PingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<ReserveResult> ReserveAsync(TRequest request, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (byOrder.TryGetValue(request.OrderId!, out var existing))
            {
                return Task.FromResult(existing.Replay(request));
            }

            var resource = Reservation<TRequest>.ResourceToLock(request, rules);
            var reservation = Reservation<TRequest>.Decide(request, rules, resource is null ? 0 : Held(resource), clock.GetUtcNow());
            if (reservation.Hold is { } hold)
            {
                held[hold.Resource] = Held(hold.Resource) + hold.Units;
            }
            byOrder[reservation.OrderId] = reservation;
            return Task.FromResult(reservation.Result);
        }
    }

    public Task<ReservationView> CancelAsync(string orderId, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            var cancelled = byOrder.TryGetValue(orderId, out var existing)
                ? existing.Cancelled()
                : Reservation<TRequest>.CancelledUnseen(orderId, clock.GetUtcNow());
            if (existing?.Hold is { } hold)
            {
                held[hold.Resource] = Held(hold.Resource) - hold.Units;
            }
            byOrder[orderId] = cancelled;
            return Task.FromResult(cancelled.View);
        }
    }

    public Task<ReservationView?> FindAsync(string orderId, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult(byOrder.TryGetValue(orderId, out var reservation) ? reservation.View : null);
        }
    }

    public Task<int> UnitsHeldAsync(string resource, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult(Held(resource));
        }
    }

    public Task<ReservationPage> ListAsync(ReservationQuery query, CancellationToken cancellationToken)
    {
        List<Reservation<TRequest>> matching;
        lock (gate)
        {
            matching = byOrder.Values
                .Where(r => (query.Status is null || r.Status == query.Status)
                    && (query.CreatedBefore is null || r.CreatedAt < query.CreatedBefore)
                    && (query.After is not { } after || after.IsBefore(r.CreatedAt, r.OrderId)))
                .ToList();
        }
        // Views are made for the page only, not for every matching reservation.
        var page = matching
            .OrderBy(r => r.CreatedAt).ThenBy(r => r.OrderId, StringComparer.Ordinal)
            .Take(query.Limit + 1)
            .Select(r => r.View)
            .ToList();
        return Task.FromResult(ReservationPages.Of(page, query.Limit));
    }

    public Task<int> DeleteExpiredAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            var expired = byOrder.Values.Where(r => r.Status != ReservationStatus.Reserved && r.CreatedAt < before).Take(limit).ToList();
            foreach (var reservation in expired)
            {
                byOrder.Remove(reservation.OrderId);
            }
            return Task.FromResult(expired.Count);
        }
    }

    private int Held(string resource) => held.GetValueOrDefault(resource);
}
