namespace SagaDemo.Orchestration;

/// <summary>A new order's first write found its id taken: the order stored first is the one.</summary>
public sealed class OrderAlreadyExistsException(Order recorded) : Exception($"Order {recorded.OrderId} already exists.")
{
    public Order Recorded { get; } = recorded;
}
