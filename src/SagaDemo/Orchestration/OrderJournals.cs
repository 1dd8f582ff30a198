using Microsoft.Extensions.Options;
using SagaDemo.Storage;

namespace SagaDemo.Orchestration;

/// <summary>Makes journals that write with this orchestrator's lease settings.</summary>
public sealed class OrderJournals(IOrderStore store, TimeProvider clock, IOptions<RecoveryOptions> options)
{
    public OrderJournal For(Order order) => new(store, order, clock, options.Value);

    /// <summary>
    /// A journal for a new order, not stored yet: its first write inserts it, or throws
    /// <see cref="OrderAlreadyExistsException"/> if another request stored that id first.
    /// </summary>
    public OrderJournal Begin(OrderDetails details) => new(store, Order.Accept(details, clock.GetUtcNow()), clock, options.Value, isNew: true);
}
