using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using SagaDemo.Clients;
using SagaDemo.Contracts;
using SagaDemo.Hosting;
using SagaDemo.Saga;

namespace SagaDemo.Orders;

public static class OrdersApi
{
    public const int DefaultListLimit = 50;
    public const int MaxListLimit = 500;

    public static RouteGroupBuilder MapOrdersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/orders").WithTags("orders");

        api.MapPost("/", PlaceOrder)
            .WithOrderLimits(app.ServiceProvider)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);
        api.MapGet("/{orderId}", GetOrder).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/", ListOrders);
        api.MapPost("/{orderId}/compensate", Compensate)
            .RequireToken(app, Security.Operator)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        return api;
    }

    private static async Task<Results<Created<OrderView>, Accepted<OrderView>, ProblemHttpResult>> PlaceOrder(
        OrderRequest request, OrderCoordinator coordinator, IOptions<ResilienceOptions> resilience, HttpResponse response,
        CancellationToken cancellationToken)
    {
        var details = OrderDetails.From(request);
        var order = await coordinator.PlaceAsync(details, cancellationToken);
        if (order.Details != details)
        {
            return TypedResults.Problem(
                title: "Order id already used",
                detail: $"Order {order.OrderId} already exists with different parameters; repeat the original request or use a new order_id.",
                statusCode: StatusCodes.Status422UnprocessableEntity);
        }

        var view = order.ToView();
        if (order.FailureOutcome == CallOutcome.NotSent)
        {
            // A participant had stopped answering, so it was not called: nothing was reserved; try again after its break.
            response.Headers.RetryAfter = ((int)Math.Ceiling(resilience.Value.BreakerDuration.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }
        return order.Status switch
        {
            SagaStatus.Confirmed => TypedResults.Created($"/orders/{order.OrderId}", view),
            SagaStatus.Pending => TypedResults.Accepted($"/orders/{order.OrderId}", view),
            _ => TypedResults.Problem(
                title: "Order not completed",
                detail: order.Failure,
                statusCode: order switch
                {
                    { FailureOutcome: CallOutcome.NotSent } => StatusCodes.Status503ServiceUnavailable,
                    { FailureOutcome: CallOutcome.Unknown, FailureTimedOut: true } => StatusCodes.Status504GatewayTimeout,
                    { FailureOutcome: CallOutcome.Unknown } => StatusCodes.Status502BadGateway,
                    _ => StatusCodes.Status409Conflict,
                },
                extensions: new Dictionary<string, object?> { ["order"] = view }),
        };
    }

    private static async Task<Results<Ok<OrderView>, ProblemHttpResult>> Compensate(
        string orderId, IOrderStore store, OrderRecovery recovery, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await store.FindAsync(orderId, cancellationToken) is not { } order)
        {
            return OrderNotFound(orderId);
        }
        if (order.LeaseOwner is not null && order.LeaseUntil > clock.GetUtcNow())
        {
            // A driver (this orchestrator's or another replica's) holds the order: never a second one.
            return BeingDriven(orderId, order.LeaseOwner);
        }
        if (order.Status is not (SagaStatus.Compensating or SagaStatus.CompensationFailed))
        {
            return TypedResults.Problem(title: "Nothing to compensate",
                detail: $"Order {orderId} is {SagaStates.Name(order.Status)}; only compensating and compensation_failed orders can be compensated again.",
                statusCode: StatusCodes.Status409Conflict);
        }

        return await recovery.CompensateNowAsync(order, cancellationToken) is { } driven
            ? TypedResults.Ok(driven.ToView())
            : BeingDriven(orderId, null);
    }

    private static ProblemHttpResult BeingDriven(string orderId, string? owner) =>
        TypedResults.Problem(title: "Order being driven",
            detail: $"Order {orderId} is being driven right now{(owner is null ? "" : $" (by {owner})")}; read it again shortly, then compensate again if it still needs it.",
            statusCode: StatusCodes.Status409Conflict);

    private static async Task<Results<Ok<OrderView>, ProblemHttpResult>> GetOrder(
        string orderId, IOrderStore store, OrderSaga saga, CancellationToken cancellationToken)
    {
        if (await store.FindAsync(orderId, cancellationToken) is not { } order)
        {
            return OrderNotFound(orderId);
        }

        var participants = await saga.ReadParticipantsAsync(orderId, cancellationToken);
        return TypedResults.Ok(order.ToView(participants));
    }

    private static async Task<Results<Ok<IReadOnlyList<OrderView>>, ValidationProblem>> ListOrders(
        string? status, int? limit, IOrderStore store, CancellationToken cancellationToken)
    {
        SagaStatus wanted = default;
        var errors = new QueryErrors()
            .Check(status is null || SagaStates.TryParse(status, out wanted), "status",
                $"status must be one of: {string.Join(", ", SagaStates.Names)}.")
            .Check(limit is null or >= 1 and <= MaxListLimit, "limit", $"limit must be from 1 to {MaxListLimit}.");
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }

        var orders = await store.ListAsync(status is null ? null : wanted, limit ?? DefaultListLimit, cancellationToken);
        return TypedResults.Ok<IReadOnlyList<OrderView>>(orders.Select(order => order.ToView()).ToList());
    }

    private static ProblemHttpResult OrderNotFound(string orderId) =>
        TypedResults.Problem(title: "Order not found", detail: $"Order not found: no order has the id '{orderId}'.",
            statusCode: StatusCodes.Status404NotFound);
}
