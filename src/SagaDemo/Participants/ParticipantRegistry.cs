using Microsoft.AspNetCore.Http.HttpResults;
using SagaDemo.Contracts;
using SagaDemo.Hosting;

namespace SagaDemo.Participants;

/// <summary>
/// Every participant of the order saga, one entry each. The participant roles, their endpoints, the
/// orchestrator's clients and their URLs all come from here; the order saga calls them in the order
/// it declares (Orders/OrderSaga). A new participant is an entry, a request record and a rules class.
/// </summary>
public static class ParticipantRegistry
{
    public static Participant Payment { get; } = Participant.Define<PaymentReservationRequest, PaymentRules>(
        "payment", "PAYMENT_URL", "http://localhost:8001",
        options: services => services.AddOptions<PaymentOptions>().BindConfiguration("Payment").ValidateDataAnnotations().ValidateOnStart());

    public static Participant Inventory { get; } = Participant.Define<InventoryReservationRequest, InventoryRules>(
        "inventory", "INVENTORY_URL", "http://localhost:8002",
        options: services => services.AddOptions<InventoryOptions>().BindConfiguration("Inventory").ValidateDataAnnotations().ValidateOnStart(),
        endpoints: api => api.MapGet("/stock/{sku}", GetStock));

    public static Participant Delivery { get; } = Participant.Define<DeliveryReservationRequest, DeliveryRules>(
        "delivery", "DELIVERY_URL", "http://localhost:8003",
        options: services => services.AddOptions<DeliveryOptions>().BindConfiguration("Delivery").ValidateDataAnnotations().ValidateOnStart(),
        endpoints: api => api.MapGet("/slots/{slot}", GetSlot));

    public static IReadOnlyList<Participant> All { get; } = [Payment, Inventory, Delivery];

    /// <summary>The participant a role plays.</summary>
    public static Participant Of(ServiceRole role) =>
        All.FirstOrDefault(participant => participant.Name == role.RouteName())
        ?? throw new ArgumentOutOfRangeException(nameof(role), role, "Not a participant role.");

    private static async Task<Ok<StockView>> GetStock(string sku, InventoryRules rules, IReservationStore<InventoryReservationRequest> store,
        CancellationToken cancellationToken)
    {
        sku = Canonical.Sku(sku);
        var reserved = await store.UnitsHeldAsync(sku, cancellationToken);
        return TypedResults.Ok(new StockView(sku, rules.StockOf(sku) - reserved, reserved));
    }

    private static async Task<Ok<SlotView>> GetSlot(string slot, DeliveryRules rules, IReservationStore<DeliveryReservationRequest> store,
        CancellationToken cancellationToken) =>
        TypedResults.Ok(new SlotView(Canonical.Slot(slot), rules.Capacity, await store.UnitsHeldAsync(Canonical.Slot(slot), cancellationToken)));
}
