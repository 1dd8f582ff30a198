using SagaDemo.Contracts;
using SagaDemo.Infrastructure.Storage;

namespace SagaDemo.Participants;

/// <summary>
/// A participant's book of reservations, one per order, and of the units they hold. Reserve and
/// cancel are atomic and idempotent in every implementation: under parallel load nothing is oversold.
/// </summary>
public interface IReservationStore<TRequest> : IStore
    where TRequest : class, IReservationRequest
{
    Task<ReserveResult> ReserveAsync(TRequest request, CancellationToken cancellationToken);

    Task<ReservationView> CancelAsync(string orderId, CancellationToken cancellationToken);

    Task<ReservationView?> FindAsync(string orderId, CancellationToken cancellationToken);

    Task<int> UnitsHeldAsync(string resource, CancellationToken cancellationToken);

    /// <summary>Reservations oldest first (by when they were made, then order id), one page at a time.</summary>
    Task<ReservationPage> ListAsync(ReservationQuery query, CancellationToken cancellationToken);
}

/// <summary>Which reservations a listing returns: with a status, made before a moment, after a cursor.</summary>
public sealed record ReservationQuery(ReservationStatus? Status, DateTimeOffset? CreatedBefore, ReservationCursor? After, int Limit);

public static class ReservationPages
{
    /// <summary>A page from up to limit + 1 rows: the extra row only says that there is a next page.</summary>
    public static ReservationPage Of(List<ReservationView> rows, int limit) => rows.Count > limit
        ? new ReservationPage(rows[..limit], ReservationCursor.Of(rows[limit - 1]).ToString())
        : new ReservationPage(rows, null);
}
