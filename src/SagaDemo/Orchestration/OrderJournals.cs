using Microsoft.Extensions.Options;
using SagaDemo.Storage;

namespace SagaDemo.Orchestration;

/// <summary>Makes journals that write with this orchestrator's lease settings.</summary>
public sealed class OrderJournals(IOrderStore store, TimeProvider clock, IOptions<RecoveryOptions> options)
{
    public OrderJournal For(Order order) => new(store, order, clock, options.Value);

    /// <summary>A new order, leased to this orchestrator from the start.</summary>
    public Order Accept(OrderDetails details)
    {
        var now = clock.GetUtcNow();
        return Order.Accept(details, now) with { LeaseOwner = options.Value.InstanceId, LeaseUntil = now + options.Value.LeaseDuration };
    }
}
