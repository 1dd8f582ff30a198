using Microsoft.AspNetCore.Http.HttpResults;
using SagaDemo.Contracts;
using SagaDemo.Hosting;
using SagaDemo.Infrastructure.Sql;
using SagaDemo.Infrastructure.Storage;

namespace SagaDemo.Participants;

public static class ParticipantRegistration
{
    public static WebApplicationBuilder AddParticipant(this WebApplicationBuilder builder, ServiceRole role)
    {
        var services = builder.Services;
        services.AddOptions<FaultInjectionOptions>().BindConfiguration("FaultInjection").ValidateDataAnnotations().ValidateOnStart();
        switch (role)
        {
            case ServiceRole.Payment:
                services.AddOptions<PaymentOptions>().BindConfiguration("Payment").ValidateDataAnnotations().ValidateOnStart();
                services.AddSingleton<IReservationRules<PaymentReservationRequest>, PaymentRules>();
                services.AddReservationStore<PaymentReservationRequest>(builder.Configuration, role);
                break;
            case ServiceRole.Inventory:
                services.AddOptions<InventoryOptions>().BindConfiguration("Inventory").ValidateDataAnnotations().ValidateOnStart();
                services.AddSingleton<InventoryRules>();
                services.AddSingleton<IReservationRules<InventoryReservationRequest>>(sp => sp.GetRequiredService<InventoryRules>());
                services.AddReservationStore<InventoryReservationRequest>(builder.Configuration, role);
                break;
            case ServiceRole.Delivery:
                services.AddOptions<DeliveryOptions>().BindConfiguration("Delivery").ValidateDataAnnotations().ValidateOnStart();
                services.AddSingleton<DeliveryRules>();
                services.AddSingleton<IReservationRules<DeliveryReservationRequest>>(sp => sp.GetRequiredService<DeliveryRules>());
                services.AddReservationStore<DeliveryReservationRequest>(builder.Configuration, role);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(role), role, "Not a participant role.");
        }
        return builder;
    }

    /// <summary>
    /// In memory unless Storage__Provider says sqlite (ConnectionStrings__Reservations, by default
    /// data/&lt;role&gt;.db) or postgres (ConnectionStrings__Reservations required).
    /// </summary>
    private static void AddReservationStore<TRequest>(this IServiceCollection services, IConfiguration configuration, ServiceRole role)
        where TRequest : class, IReservationRequest =>
        services.AddStore<IReservationStore<TRequest>>(configuration, StorageRegistration.ReservationsConnection, "memory",
            $"Data Source=data/{role.RouteName()}.db", "reservation_store", (sp, dialect) =>
            {
                var rules = sp.GetRequiredService<IReservationRules<TRequest>>();
                var clock = sp.GetRequiredService<TimeProvider>();
                return dialect is null
                    ? new InMemoryReservationStore<TRequest>(rules, clock)
                    : new SqlReservationStore<TRequest>(dialect, role, rules, clock);
            });

    public static WebApplication MapParticipant(this WebApplication app, ServiceRole role)
    {
        switch (role)
        {
            case ServiceRole.Payment:
                app.MapParticipantApi<PaymentReservationRequest>(role);
                break;
            case ServiceRole.Inventory:
                app.MapParticipantApi<InventoryReservationRequest>(role).MapGet("/stock/{sku}", GetStock);
                break;
            case ServiceRole.Delivery:
                app.MapParticipantApi<DeliveryReservationRequest>(role).MapGet("/slots/{slot}", GetSlot);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(role), role, "Not a participant role.");
        }
        return app;
    }

    private static async Task<Ok<StockView>> GetStock(string sku, InventoryRules rules, IReservationStore<InventoryReservationRequest> store,
        CancellationToken cancellationToken)
    {
        var reserved = await store.UnitsHeldAsync(sku, cancellationToken);
        return TypedResults.Ok(new StockView(sku, rules.StockOf(sku) - reserved, reserved));
    }

    private static async Task<Ok<SlotView>> GetSlot(string slot, DeliveryRules rules, IReservationStore<DeliveryReservationRequest> store,
        CancellationToken cancellationToken) =>
        TypedResults.Ok(new SlotView(slot, rules.Capacity, await store.UnitsHeldAsync(slot, cancellationToken)));
}
