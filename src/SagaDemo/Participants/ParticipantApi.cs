using System.Globalization;
using System.Xml;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using SagaDemo.Contracts;
using SagaDemo.Hosting;
using SagaDemo.Saga;

namespace SagaDemo.Participants;

/// <summary>The endpoints every participant has, written once and parameterised by the role's request type.</summary>
public static partial class ParticipantApi
{
    public const int DefaultListLimit = 100;
    public const int MaxListLimit = 1000;

    public static RouteGroupBuilder MapParticipantApi<TRequest>(this IEndpointRouteBuilder app, string name)
        where TRequest : class, IReservationRequest
    {
        // Only the orchestrator calls a participant (Security__ServiceToken), and the NetworkPolicy admits only it.
        var api = app.MapGroup($"/{name}").WithTags(name)
            .RequireToken(app, Security.Service)
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        // Held in variables: the ASP.NET route analyzer crashes on a generic method group (AD0001).
        Delegate reserve = Reserve<TRequest>;
        Delegate cancel = Cancel<TRequest>;
        Delegate find = GetReservation<TRequest>;
        Delegate list = ListReservations<TRequest>;
        // Generic handlers are made at start-up, not by the compile-time generator (RDG002: it needs closed types).
#pragma warning disable RDG002
        api.MapPost("/reserve", reserve).ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/cancel", cancel).ProducesValidationProblem();
        api.MapGet("/reservations/{orderId}", find).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/reservations", list).ProducesValidationProblem();
#pragma warning restore RDG002

        return api;
    }

    private static async Task<Results<Ok<ReservationView>, ProblemHttpResult>> Reserve<TRequest>(
        TRequest request, IReservationStore<TRequest> store, IOptions<FaultInjectionOptions> faults,
        TimeProvider clock, ParticipantTelemetry telemetry, ILogger<TRequest> logger)
        where TRequest : class, IReservationRequest
    {
        if (faults.Value.ReserveDelay > TimeSpan.Zero)
        {
            // Deliberately not cancelled with the request: the work is done even if the caller is gone.
            await Task.Delay(faults.Value.ReserveDelay, clock);
        }
        // Nor is the store's work: once started, a reservation is recorded whether or not anyone hears the answer.
        var result = await store.ReserveAsync(request, CancellationToken.None);
        telemetry.Answered(request.OrderId!, SagaAction.Reserve, result.Reserved ? "reserved" : "refused");
        if (result.Reserved)
        {
            // Debug: the hot path of every saga; the orchestrator's history tells it. The order's log
            // scope (order_id) is opened only for a line that is written.
            if (logger.IsEnabled(LogLevel.Debug))
            {
                using var reservedScope = OrderLog.BeginScope(logger, request.OrderId!);
                LogReserved(logger, request.OrderId!);
            }
            return TypedResults.Ok(result.View);
        }

        using var scope = OrderLog.BeginScope(logger, request.OrderId!);
        LogRefused(logger, request.OrderId!, result.Refusal);
        return TypedResults.Problem(title: "Reservation refused", detail: result.Refusal, statusCode: StatusCodes.Status409Conflict);
    }

    private static async Task<Ok<ReservationView>> Cancel<TRequest>(
        CancelRequest request, IReservationStore<TRequest> store, ParticipantTelemetry telemetry, ILogger<TRequest> logger)
        where TRequest : class, IReservationRequest
    {
        using var scope = OrderLog.BeginScope(logger, request.OrderId!);
        var view = await store.CancelAsync(request.OrderId!, CancellationToken.None);
        telemetry.Answered(request.OrderId!, SagaAction.Cancel, "cancelled");
        LogCancelled(logger, request.OrderId!);
        return TypedResults.Ok(view);
    }

    private static async Task<Results<Ok<ReservationView>, ProblemHttpResult>> GetReservation<TRequest>(
        string orderId, IReservationStore<TRequest> store, CancellationToken cancellationToken)
        where TRequest : class, IReservationRequest =>
        await store.FindAsync(orderId, cancellationToken) is { } view
            ? TypedResults.Ok(view)
            : TypedResults.Problem(title: "Reservation not found", detail: $"No reservation for order '{orderId}'.",
                statusCode: StatusCodes.Status404NotFound);

    /// <summary>
    /// GET /{role}/reservations?status=reserved&amp;older_than=60&amp;limit=100&amp;after=...: oldest first;
    /// older_than is seconds (60), or a duration (PT1M, 00:01:00); the answer's <c>next</c> is the
    /// <c>after</c> of the next page.
    /// </summary>
    private static async Task<Results<Ok<ReservationPage>, ValidationProblem>> ListReservations<TRequest>(
        string? status, [FromQuery(Name = "older_than")] string? olderThan, int? limit, string? after, IReservationStore<TRequest> store, TimeProvider clock,
        CancellationToken cancellationToken)
        where TRequest : class, IReservationRequest
    {
        ReservationStatus wanted = default;
        ReservationCursor? cursor = null;
        TimeSpan age = default;
        var errors = new QueryErrors()
            .Check(status is null || (Enum.TryParse(status, ignoreCase: true, out wanted) && !int.TryParse(status, out _)), "status",
                $"status must be one of: {string.Join(", ", Enum.GetNames<ReservationStatus>().Select(n => n.ToLowerInvariant()))}.")
            .Check(olderThan is null || (TryParseAge(olderThan, out age) && age >= TimeSpan.Zero && age <= TimeSpan.FromDays(365)), "older_than",
                "older_than must be an age from 0 to 365 days: seconds (60), an ISO-8601 duration (PT1M) or hh:mm:ss (00:01:00).")
            .Check(limit is null or >= 1 and <= MaxListLimit, "limit", $"limit must be from 1 to {MaxListLimit}.")
            .Check(after is null || ReservationCursor.TryParse(after, out cursor), "after",
                "after must be the 'next' value of the previous page (unix-ms:order-id).");
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }

        var query = new ReservationQuery(
            status is null ? null : wanted,
            olderThan is null ? null : clock.GetUtcNow() - age,
            cursor,
            limit ?? DefaultListLimit);
        return TypedResults.Ok(await store.ListAsync(query, cancellationToken));
    }

    [LoggerMessage(LogLevel.Debug, "Reserved for order {OrderId}")]
    private static partial void LogReserved(ILogger logger, string orderId);

    [LoggerMessage(LogLevel.Information, "Refused a reservation for order {OrderId}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string orderId, string? reason);

    [LoggerMessage(LogLevel.Information, "Cancelled the reservation of order {OrderId}")]
    private static partial void LogCancelled(ILogger logger, string orderId);

    private static bool TryParseAge(string text, out TimeSpan age)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds) && Math.Abs(seconds) < 1e9)
        {
            age = TimeSpan.FromSeconds(seconds);
            return true;
        }
        if (text.StartsWith('P') || text.StartsWith("-P", StringComparison.Ordinal))
        {
            try
            {
                age = XmlConvert.ToTimeSpan(text);
                return true;
            }
            catch (Exception ex) when (ex is FormatException or OverflowException)
            {
                // Not a duration, or one longer than TimeSpan holds (P30000Y): the caller hears which parameter.
                age = default;
                return false;
            }
        }
        return TimeSpan.TryParseExact(text, "c", CultureInfo.InvariantCulture, out age);
    }
}
