namespace SagaDemo.Contracts;

/// <summary>What every participant's reserve body has; the rest is the role's own.</summary>
public interface IReservationRequest
{
    string? OrderId { get; }

    bool ForceFail { get; }

    FieldErrors Validate();

    ReservationView Describe(ReservationStatus status, string? reason);
}

public sealed record PaymentReservationRequest(string? OrderId, decimal? Amount, bool ForceFail = false) : IReservationRequest
{
    public FieldErrors Validate() => new FieldErrors().OrderId(OrderId).Amount(Amount);

    public ReservationView Describe(ReservationStatus status, string? reason) =>
        new(OrderId!, status, Amount: Amount, Reason: reason);
}

public sealed record InventoryReservationRequest(string? OrderId, string? Sku, int? Quantity, bool ForceFail = false) : IReservationRequest
{
    public FieldErrors Validate() => new FieldErrors().OrderId(OrderId).Sku(Sku).Quantity(Quantity);

    public ReservationView Describe(ReservationStatus status, string? reason) =>
        new(OrderId!, status, Sku: Sku, Quantity: Quantity, Reason: reason);
}

public sealed record DeliveryReservationRequest(string? OrderId, string? Slot, bool ForceFail = false) : IReservationRequest
{
    public FieldErrors Validate() => new FieldErrors().OrderId(OrderId).Slot(Slot);

    public ReservationView Describe(ReservationStatus status, string? reason) =>
        new(OrderId!, status, Slot: Slot, Reason: reason);
}

public sealed record CancelRequest(string? OrderId)
{
    public FieldErrors Validate() => new FieldErrors().OrderId(OrderId);
}
