using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using SagaDemo.Contracts;

namespace SagaDemo.Participants;

public sealed class InventoryOptions
{
    [Range(0, int.MaxValue)]
    public int InitialStock { get; set; } = 1000;

    /// <summary>Per-SKU starting stock that overrides <see cref="InitialStock"/>, e.g. Inventory__Stock__SKU-1=5.</summary>
    public Dictionary<string, int> Stock { get; set; } = [];
}

public sealed class InventoryRules(IOptions<InventoryOptions> options) : IReservationRules<InventoryReservationRequest>
{
    public string ForcedFailure => "Stock reservation failed";

    public int StockOf(string sku) =>
        options.Value.Stock.TryGetValue(sku, out var stock) ? stock : options.Value.InitialStock;

    public string? ResourceOf(InventoryReservationRequest request) => request.Sku;

    public Decision Decide(InventoryReservationRequest request, int unitsHeld)
    {
        var sku = request.Sku!;
        var requested = request.Quantity!.Value;
        var available = StockOf(sku) - unitsHeld;
        return requested > available
            ? Decision.Refuse($"Insufficient stock for {sku}: requested {requested}, available {available}")
            : Decision.Approve(new Hold(sku, requested));
    }
}
