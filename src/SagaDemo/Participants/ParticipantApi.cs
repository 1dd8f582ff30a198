using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using SagaDemo.Contracts;
using SagaDemo.Hosting;

namespace SagaDemo.Participants;

/// <summary>The endpoints every participant has, written once and parameterised by the role's request type.</summary>
public static class ParticipantApi
{
    public static RouteGroupBuilder MapParticipantApi<TRequest>(this IEndpointRouteBuilder app, ServiceRole role)
        where TRequest : class, IReservationRequest
    {
        var api = app.MapGroup($"/{role.RouteName()}").WithTags(role.RouteName());

        // Held in a variable: the ASP.NET route analyzer crashes on a generic method group (AD0001).
        Delegate reserve = Reserve<TRequest>;
        api.MapPost("/reserve", reserve).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/cancel", Cancel);
        api.MapGet("/reservations/{orderId}", GetReservation).ProducesProblem(StatusCodes.Status404NotFound);

        return api;
    }

    private static async Task<Results<Ok<ReservationView>, ValidationProblem, ProblemHttpResult>> Reserve<TRequest>(
        TRequest request, IReservationRules<TRequest> rules, ReservationStore store, IOptions<FaultInjectionOptions> faults,
        TimeProvider clock, ILogger<ReservationStore> logger)
        where TRequest : class, IReservationRequest
    {
        var errors = request.Validate();
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }

        using var scope = logger.BeginScope(new Dictionary<string, object> { ["order_id"] = request.OrderId! });
        if (faults.Value.ReserveDelay > TimeSpan.Zero)
        {
            // Deliberately not cancelled with the request: the work is done even if the caller is gone.
            await Task.Delay(faults.Value.ReserveDelay, clock);
        }
        var result = store.Reserve(request, rules);
        if (result.Status == ReserveStatus.Reserved)
        {
            logger.LogInformation("Reserved for order {OrderId}", request.OrderId);
            return TypedResults.Ok(result.View);
        }

        logger.LogInformation("Refused a reservation for order {OrderId}: {Reason}", request.OrderId, result.Refusal);
        return TypedResults.Problem(title: "Reservation refused", detail: result.Refusal, statusCode: StatusCodes.Status409Conflict);
    }

    private static Results<Ok<ReservationView>, ValidationProblem> Cancel(
        CancelRequest request, ReservationStore store, ILogger<ReservationStore> logger)
    {
        var errors = request.Validate();
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }

        using var scope = logger.BeginScope(new Dictionary<string, object> { ["order_id"] = request.OrderId! });
        var view = store.Cancel(request.OrderId!);
        logger.LogInformation("Cancelled the reservation of order {OrderId}", request.OrderId);
        return TypedResults.Ok(view);
    }

    private static Results<Ok<ReservationView>, ProblemHttpResult> GetReservation(string orderId, ReservationStore store) =>
        store.Find(orderId) is { } view
            ? TypedResults.Ok(view)
            : TypedResults.Problem(title: "Reservation not found", detail: $"No reservation for order '{orderId}'.",
                statusCode: StatusCodes.Status404NotFound);
}
