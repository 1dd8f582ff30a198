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

        logger.LogError(exception, "Answered 503: {Reason}", exception.Message);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Store unavailable",
                Detail = "The service's store cannot be reached right now (the reason is in the service's log). Nothing was changed; retry shortly.",
            },
        });
    }
}
