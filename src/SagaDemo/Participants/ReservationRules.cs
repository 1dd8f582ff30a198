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
/// One participant's business rule. The shared store calls it under its lock, so
/// <paramref name="unitsHeld"/> is exact: nothing else reserves between the check and the hold.
/// </summary>
public interface IReservationRules<in TRequest>
{
    string ForcedFailure { get; }

    Decision Decide(TRequest request, Func<string, int> unitsHeld);
}
