using Microsoft.Extensions.Validation;

namespace SagaDemo.Contracts;

// The participants' endpoints are generic (Participants/ParticipantApi), so the validation generator
// cannot see these bodies in a Map call: [ValidatableType] names them to it. It is marked for
// evaluation in .NET 10 (ASP0029); if it changes, this is the one place to follow it.
#pragma warning disable ASP0029

/// <summary>What every participant's reserve body has; the rest is the role's own.</summary>
public interface IReservationRequest
{
    string? OrderId { get; }

    bool ForceFail { get; }

    ReservationView Describe(ReservationStatus status, string? reason);
}

[ValidatableType]
public sealed record PaymentReservationRequest([OrderId] string? OrderId, [Amount] decimal? Amount, bool ForceFail = false) : IReservationRequest
{
    public ReservationView Describe(ReservationStatus status, string? reason) =>
        new(OrderId!, status, Amount: Amount, Reason: reason);
}

[ValidatableType]
public sealed record InventoryReservationRequest([OrderId] string? OrderId, [Sku] string? Sku, [Quantity] int? Quantity, bool ForceFail = false)
    : IReservationRequest
{
    public ReservationView Describe(ReservationStatus status, string? reason) =>
        new(OrderId!, status, Sku: Sku, Quantity: Quantity, Reason: reason);
}

[ValidatableType]
public sealed record DeliveryReservationRequest([OrderId] string? OrderId, [Slot] string? Slot, bool ForceFail = false) : IReservationRequest
{
    public ReservationView Describe(ReservationStatus status, string? reason) =>
        new(OrderId!, status, Slot: Slot, Reason: reason);
}

[ValidatableType]
public sealed record CancelRequest([OrderId] string? OrderId);
#pragma warning restore ASP0029
