using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using SagaDemo.Infrastructure.Sql;
using SagaDemo.Infrastructure.Storage;

namespace SagaDemo.Hosting;

/// <summary>
/// A store that cannot be reached mid-request is a 503 that says so: the caller should retry shortly.
/// Why (a host, a file, a database error) goes to the log only: a public answer names no internals.
/// </summary>
public sealed class StoreUnavailableHandler(IProblemDetailsService problems, ILogger<StoreUnavailableHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        // A store that cannot be reached, or whose database fails in the middle of a query: a fault of
        // this service's store, not of the request, so a 503 to retry, never a 500.
        if (exception is not StoreUnavailableException && !Sql.IsUnavailable(exception))
        {
            return false;
        }

        var outOfSpace = exception is StoreUnavailableException { OutOfSpace: true } || Sql.IsOutOfSpace(exception);
        logger.LogError(exception, "Answered 503: {Reason}", exception.Message);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = outOfSpace ? "Store out of space" : "Store unavailable",
                Detail = outOfSpace
                    ? "The service's store is out of space (its volume is full; the details are in the service's log); " +
                      "retry once space is freed. Repeating the same request is safe: what is already recorded is answered as recorded."
                    : "The service's store cannot be reached right now (the reason is in the service's log); retry shortly. " +
                      "Repeating the same request is safe: what is already recorded is answered as recorded.",
            },
        });
    }
}
