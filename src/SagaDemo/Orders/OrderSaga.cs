using SagaDemo.Clients;
using SagaDemo.Contracts;
using SagaDemo.Saga;

namespace SagaDemo.Orders;

/// <summary>
/// The order saga, declared: list order is execution order, and each step carries its compensation.
/// A forced failure flag travels to the participant as its force_fail, down the real HTTP path.
/// </summary>
public sealed class OrderSaga(PaymentClient payment, InventoryClient inventory, DeliveryClient delivery)
{
    public SagaDefinition<OrderDetails> Definition { get; } = new(
    [
        new(payment.Name,
            (order, ct) => payment.ReserveAsync(new PaymentReservationRequest(order.OrderId, order.Amount, order.ForcePaymentFailure), ct),
            (order, ct) => payment.CancelAsync(order.OrderId, ct)),
        new(inventory.Name,
            (order, ct) => inventory.ReserveAsync(new InventoryReservationRequest(order.OrderId, order.Sku, order.Quantity, order.ForceInventoryFailure), ct),
            (order, ct) => inventory.CancelAsync(order.OrderId, ct)),
        new(delivery.Name,
            (order, ct) => delivery.ReserveAsync(new DeliveryReservationRequest(order.OrderId, order.Slot, order.ForceDeliveryFailure), ct),
            (order, ct) => delivery.CancelAsync(order.OrderId, ct)),
    ]);

    public IReadOnlyList<ParticipantClient> Participants { get; } = [payment, inventory, delivery];

    /// <summary>Each participant's own record of the order, asked live and in parallel.</summary>
    public async Task<IReadOnlyDictionary<string, ParticipantState>> ReadParticipantsAsync(string orderId, CancellationToken cancellationToken)
    {
        var states = await Task.WhenAll(Participants.Select(p => p.GetStateAsync(orderId, cancellationToken)));
        return Participants.Zip(states).ToDictionary(pair => pair.First.Name, pair => pair.Second);
    }
}
