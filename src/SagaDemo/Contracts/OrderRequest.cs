namespace SagaDemo.Contracts;

/// <summary>The body of POST /orders. Fields are nullable so that a missing one is reported by name.</summary>
public sealed record OrderRequest(
    [OrderId] string? OrderId,
    [Amount] decimal? Amount,
    [Sku] string? Sku,
    [Quantity] int? Quantity,
    [Slot] string? Slot,
    bool ForcePaymentFailure = false,
    bool ForceInventoryFailure = false,
    bool ForceDeliveryFailure = false);
