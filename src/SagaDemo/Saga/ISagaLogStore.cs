namespace SagaDemo.Saga;

/// <summary>Where a saga's log is kept. Every write is versioned; its result is a value, never an exception.</summary>
public interface ISagaLogStore<TData>
{
    /// <summary>Stores a new saga's log; when its id is taken, stores nothing and answers the log already there.</summary>
    Task<SagaWrite<TData>> InsertAsync(SagaLog<TData> log, CancellationToken cancellationToken);

    /// <summary>
    /// Saves a changed log if the stored one still has the same <see cref="SagaLog{TData}.Version"/>:
    /// answers it with the next version, or <see cref="SagaWriteResult.Conflict"/> if someone changed it first.
    /// </summary>
    Task<SagaWrite<TData>> UpdateAsync(SagaLog<TData> log, CancellationToken cancellationToken);
}

public enum SagaWriteResult
{
    Saved,

    /// <summary>An insert found the id taken: <see cref="SagaWrite{TData}.Log"/> is the log recorded before.</summary>
    AlreadyExists,

    /// <summary>Someone else wrote first (another replica took the saga over): <see cref="SagaWrite{TData}.Log"/> is ours, unsaved.</summary>
    Conflict,
}

/// <summary>What a write came to, and the log as it now stands (or as we had it, on a conflict).</summary>
public readonly record struct SagaWrite<TData>(SagaWriteResult Result, SagaLog<TData> Log)
{
    public bool Saved => Result == SagaWriteResult.Saved;

    public static SagaWrite<TData> Ok(SagaLog<TData> log) => new(SagaWriteResult.Saved, log);

    public static SagaWrite<TData> Exists(SagaLog<TData> recorded) => new(SagaWriteResult.AlreadyExists, recorded);

    public static SagaWrite<TData> Lost(SagaLog<TData> ours) => new(SagaWriteResult.Conflict, ours);
}
