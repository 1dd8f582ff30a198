using SagaDemo.Contracts;

namespace SagaDemo.Participants;

public enum ReserveStatus
{
    Reserved,
    Refused,
}

public sealed record ReserveResult(ReserveStatus Status, ReservationView View, string? Refusal);

/// <summary>
/// The participant's in-memory book of reservations, one per order, and of the units they hold.
/// One lock makes each reserve and cancel atomic, so nothing is oversold under parallel load.
/// </summary>
public sealed class ReservationStore
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, Reservation> byOrder = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> held = new(StringComparer.Ordinal);

    public ReserveResult Reserve<TRequest>(TRequest request, IReservationRules<TRequest> rules)
        where TRequest : IReservationRequest
    {
        var orderId = request.OrderId!;
        lock (gate)
        {
            if (byOrder.TryGetValue(orderId, out var existing))
            {
                return Replay(existing, request);
            }

            var decision = request.ForceFail ? Decision.Refuse(rules.ForcedFailure) : rules.Decide(request, Held);
            var reservation = decision.Approved
                ? new Reservation(orderId, request, ReservationStatus.Reserved, decision.Hold, null)
                : new Reservation(orderId, request, ReservationStatus.Rejected, null, decision.Refusal);
            if (reservation.Hold is { } hold)
            {
                held[hold.Resource] = Held(hold.Resource) + hold.Units;
            }
            byOrder[orderId] = reservation;
            return ResultOf(reservation);
        }
    }

    /// <summary>
    /// Releases whatever the order held. An order never seen is recorded as cancelled, so a reserve
    /// that arrives after its compensation (they crossed on the network) cannot leave an orphan hold.
    /// </summary>
    public ReservationView Cancel(string orderId)
    {
        lock (gate)
        {
            var cancelled = byOrder.TryGetValue(orderId, out var existing)
                ? existing with { Status = ReservationStatus.Cancelled, Hold = null }
                : new Reservation(orderId, null, ReservationStatus.Cancelled, null, null);
            if (existing?.Hold is { } hold)
            {
                held[hold.Resource] = Held(hold.Resource) - hold.Units;
            }
            byOrder[orderId] = cancelled;
            return cancelled.View;
        }
    }

    public ReservationView? Find(string orderId)
    {
        lock (gate)
        {
            return byOrder.TryGetValue(orderId, out var reservation) ? reservation.View : null;
        }
    }

    public int UnitsHeld(string resource)
    {
        lock (gate)
        {
            return Held(resource);
        }
    }

    private int Held(string resource) => held.GetValueOrDefault(resource);

    private static ReserveResult Replay(Reservation existing, IReservationRequest request) => existing switch
    {
        { Status: ReservationStatus.Cancelled } => Refused(existing, $"Order {existing.OrderId} was already cancelled"),
        _ when !Equals(existing.Request, request) => Refused(existing,
            $"Order {existing.OrderId} already has a reservation with different parameters"),
        _ => ResultOf(existing),
    };

    private static ReserveResult ResultOf(Reservation reservation) => reservation.Status == ReservationStatus.Reserved
        ? new ReserveResult(ReserveStatus.Reserved, reservation.View, null)
        : Refused(reservation, reservation.Reason!);

    private static ReserveResult Refused(Reservation reservation, string reason) =>
        new(ReserveStatus.Refused, reservation.View, reason);

    private sealed record Reservation(string OrderId, IReservationRequest? Request, ReservationStatus Status, Hold? Hold, string? Reason)
    {
        public ReservationView View => Request?.Describe(Status, Reason) ?? new ReservationView(OrderId, Status);
    }
}
