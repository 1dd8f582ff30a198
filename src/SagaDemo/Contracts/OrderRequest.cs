namespace SagaDemo.Contracts;

/// <summary>The body of POST /orders. Fields are nullable so that a missing one is reported by name.</summary>
public sealed record OrderRequest(
    string? OrderId,
    decimal? Amount,
    string? Sku,
    int? Quantity,
    string? Slot,
    bool ForcePaymentFailure = false,
    bool ForceInventoryFailure = false,
    bool ForceDeliveryFailure = false)
{
    public FieldErrors Validate() => new FieldErrors()
        .OrderId(OrderId)
        .Amount(Amount)
        .Sku(Sku)
        .Quantity(Quantity)
        .Slot(Slot);
}
