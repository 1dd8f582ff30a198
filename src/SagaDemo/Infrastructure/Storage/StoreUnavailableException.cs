using SagaDemo.Infrastructure.Sql;

namespace SagaDemo.Infrastructure.Storage;

/// <summary>A store that cannot be reached or used: start-up stops with its message, a request gets 503.</summary>
public sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The store refused a write for lack of space (its disk or volume is full).</summary>
    public bool OutOfSpace => InnerException is { } cause && Sql.Sql.IsOutOfSpace(cause);
}
