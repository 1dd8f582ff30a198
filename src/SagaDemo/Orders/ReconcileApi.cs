using Microsoft.AspNetCore.Http.HttpResults;
using SagaDemo.Hosting;

namespace SagaDemo.Orders;

public static class ReconcileApi
{
    public static RouteGroupBuilder MapReconcileApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/reconcile").WithTags("reconcile")
            .RequireToken(app, Security.Operator)
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        // Runs a pass now (after the one running, if any) and answers what it found and did;
        // ?dry_run=true lists what it would release and releases nothing.
        api.MapPost("/", async Task<Ok<ReconcilePass>> (Reconciler reconciler, CancellationToken cancellationToken,
                [Microsoft.AspNetCore.Mvc.FromQuery(Name = "dry_run")] bool? dryRun) =>
            TypedResults.Ok(await reconciler.RunPassAsync(cancellationToken, dryRun ?? false)));

        // Totals since this orchestrator started, and the latest pass.
        api.MapGet("/", (Reconciler reconciler) => TypedResults.Ok(reconciler.Status));

        return api;
    }
}
