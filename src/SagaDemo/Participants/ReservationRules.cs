namespace SagaDemo.Participants;

/// <summary>Units of a limited resource (a SKU's stock, a slot's places) that a reservation holds.</summary>
public sealed record Hold(string Resource, int Units);

/// <summary>A rule's answer to a reserve: approve (holding something, or nothing) or refuse with a reason.</summary>
public sealed record Decision(bool Approved, Hold? Hold, string? Refusal)
{
    public static Decision Approve(Hold? hold = null) => new(true, hold, null);

    public static Decision Refuse(string reason) => new(false, null, reason);
}

/// <summary>
/// One participant's business rule. The store calls <see cref="Decide"/> while it holds the lock of
/// the request's resource, so <c>unitsHeld</c> is exact: nothing else reserves between the check and the hold.
/// </summary>
public interface IReservationRules<in TRequest>
{
    string ForcedFailure { get; }

    /// <summary>The limited resource the request would hold units of (a SKU, a slot), or null if none.</summary>
    string? ResourceOf(TRequest request);

    Decision Decide(TRequest request, int unitsHeld);
}
