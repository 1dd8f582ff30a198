using SagaDemo.Clients;
using SagaDemo.Contracts;
using SagaDemo.Participants;
using SagaDemo.Saga;

namespace SagaDemo.Orders;

/// <summary>
/// The order saga, declared: list order is execution order, each step is a participant of the
/// registry and the body its reserve is sent; its cancel takes the order id. A forced failure flag
/// travels to the participant as its force_fail, down the real HTTP path.
/// </summary>
public sealed class OrderSaga
{
    public OrderSaga(ParticipantClients clients)
    {
        Definition = new("order", order => order.OrderId,
        [
            Step(clients, ParticipantRegistry.Payment,
                order => new PaymentReservationRequest(order.OrderId, order.Amount, order.ForcePaymentFailure)),
            Step(clients, ParticipantRegistry.Inventory,
                order => new InventoryReservationRequest(order.OrderId, order.Sku, order.Quantity, order.ForceInventoryFailure)),
            Step(clients, ParticipantRegistry.Delivery,
                order => new DeliveryReservationRequest(order.OrderId, order.Slot, order.ForceDeliveryFailure)),
        ]);
        Participants = [.. Definition.StepNames.Select(name => clients[name])];
    }

    public SagaDefinition<OrderDetails> Definition { get; }

    /// <summary>The clients of the saga's participants, in step order.</summary>
    public IReadOnlyList<ParticipantClient> Participants { get; }

    /// <summary>A step that reserves at <paramref name="participant"/> with the body <paramref name="reserve"/> makes of the order.</summary>
    public static SagaStep<OrderDetails> Step<TRequest>(ParticipantClients clients, Participant participant, Func<OrderDetails, TRequest> reserve)
        where TRequest : IReservationRequest
    {
        var client = clients[participant.Name];
        return new(participant.Name,
            (order, ct) => client.ReserveAsync(reserve(order), ct),
            (order, ct) => client.CancelAsync(order.OrderId, ct));
    }

    /// <summary>Each participant's own record of the order, asked live and in parallel.</summary>
    public async Task<IReadOnlyDictionary<string, ParticipantState>> ReadParticipantsAsync(string orderId, CancellationToken cancellationToken)
    {
        var states = await Task.WhenAll(Participants.Select(p => p.GetStateAsync(orderId, cancellationToken)));
        return Participants.Zip(states).ToDictionary(pair => pair.First.Name, pair => pair.Second);
    }
}
