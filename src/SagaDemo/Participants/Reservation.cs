using SagaDemo.Contracts;

namespace SagaDemo.Participants;

/// <summary>A participant's answer to a reserve: held, or refused and why; with its record of the order either way.</summary>
public sealed record ReserveResult(bool Reserved, ReservationView View, string? Refusal);

/// <summary>
/// A participant's record for one order, and the rules every store applies to it: a reserve is
/// decided once and replayed after that; a cancel releases what it held.
/// </summary>
public sealed record Reservation<TRequest>(
    string OrderId,
    TRequest? Request,
    ReservationStatus Status,
    Hold? Hold,
    string? Reason,
    DateTimeOffset CreatedAt)
    where TRequest : class, IReservationRequest
{
    public ReservationView View => (Request?.Describe(Status, Reason) ?? new ReservationView(OrderId, Status)) with { CreatedAt = CreatedAt };

    public ReserveResult Result => Status == ReservationStatus.Reserved
        ? new ReserveResult(true, View, null)
        : new ReserveResult(false, View, Reason);

    /// <summary>The resource whose lock a new reserve must hold while it is decided, if any.</summary>
    public static string? ResourceToLock(TRequest request, IReservationRules<TRequest> rules) =>
        request.ForceFail ? null : rules.ResourceOf(request);

    /// <summary>A first reserve for the order, decided with the exact units its resource already holds.</summary>
    public static Reservation<TRequest> Decide(TRequest request, IReservationRules<TRequest> rules, int unitsHeld, DateTimeOffset now)
    {
        now = ToMilliseconds(now);
        var decision = request.ForceFail ? Decision.Refuse(rules.ForcedFailure) : rules.Decide(request, unitsHeld);
        return decision.Approved
            ? new Reservation<TRequest>(request.OrderId!, request, ReservationStatus.Reserved, decision.Hold, null, now)
            : new Reservation<TRequest>(request.OrderId!, request, ReservationStatus.Rejected, null, decision.Refusal, now);
    }

    /// <summary>The same reserve again is answered as the first time; anything else is refused.</summary>
    public ReserveResult Replay(TRequest request) => this switch
    {
        { Status: ReservationStatus.Cancelled } => Refused($"Order {OrderId} was already cancelled"),
        _ when !Equals(Request, request) => Refused($"Order {OrderId} already has a reservation with different parameters"),
        _ => Result,
    };

    /// <summary>Released: whatever it held is given back.</summary>
    public Reservation<TRequest> Cancelled() => this with { Status = ReservationStatus.Cancelled, Hold = null };

    /// <summary>
    /// A cancel for an order never seen is recorded too, so a reserve that arrives after its
    /// compensation (they crossed on the network) is refused and cannot leave an orphan hold.
    /// </summary>
    public static Reservation<TRequest> CancelledUnseen(string orderId, DateTimeOffset now) =>
        new(orderId, null, ReservationStatus.Cancelled, null, null, ToMilliseconds(now));

    // Every store keeps creation times to the millisecond, so listings page the same way everywhere.
    private static DateTimeOffset ToMilliseconds(DateTimeOffset time) => DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());

    private ReserveResult Refused(string reason) => new(false, View, reason);
}
