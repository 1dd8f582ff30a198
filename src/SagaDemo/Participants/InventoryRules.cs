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
    // The configured stock under each SKU's one spelling (Inventory__Stock__sku-1 is SKU-1's).
    private readonly Dictionary<string, int> stock = options.Value.Stock.ToDictionary(pair => Canonical.Sku(pair.Key), pair => pair.Value);

    public string ForcedFailure => "Stock reservation failed";

    /// <summary>The starting stock of a SKU, however it is spelt.</summary>
    public int StockOf(string sku) => stock.TryGetValue(Canonical.Sku(sku), out var units) ? units : options.Value.InitialStock;

    public string? ResourceOf(InventoryReservationRequest request) => Canonical.Sku(request.Sku!);

    public Decision Decide(InventoryReservationRequest request, int unitsHeld)
    {
        var sku = Canonical.Sku(request.Sku!);
        var requested = request.Quantity!.Value;
        var available = StockOf(sku) - unitsHeld;
        return requested > available
            ? Decision.Refuse($"Insufficient stock for {sku}: requested {requested}, available {available}")
            : Decision.Approve(new Hold(sku, requested));
    }
}
