namespace SagaDemo.Infrastructure.Storage;

/// <summary>What start-up and the readiness check need of a role's store (the orders', or a participant's reservations).</summary>
public interface IStore
{
    /// <summary>What the store is called in messages: "order store", "reservation store".</summary>
    string Description { get; }

    /// <summary>Creates the schema, or brings it up to date; safe to call on every start.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Answers whether the store can be reached right now (the readiness check).</summary>
    Task PingAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Deletes up to <paramref name="limit"/> records that are over and older than
    /// <paramref name="before"/> (ended orders; released or refused reservations): retention. Answers how many.
    /// </summary>
    Task<int> DeleteExpiredAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken);
}
