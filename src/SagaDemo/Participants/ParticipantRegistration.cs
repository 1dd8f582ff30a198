using Microsoft.AspNetCore.Http.HttpResults;
using SagaDemo.Contracts;
using SagaDemo.Hosting;

namespace SagaDemo.Participants;

public static class ParticipantRegistration
{
    public static WebApplicationBuilder AddParticipant(this WebApplicationBuilder builder, ServiceRole role)
    {
        var services = builder.Services;
        services.AddSingleton<ReservationStore>();
        services.AddOptions<FaultInjectionOptions>().BindConfiguration("FaultInjection").ValidateDataAnnotations().ValidateOnStart();
        switch (role)
        {
            case ServiceRole.Payment:
                services.AddOptions<PaymentOptions>().BindConfiguration("Payment").ValidateDataAnnotations().ValidateOnStart();
                services.AddSingleton<IReservationRules<PaymentReservationRequest>, PaymentRules>();
                break;
            case ServiceRole.Inventory:
                services.AddOptions<InventoryOptions>().BindConfiguration("Inventory").ValidateDataAnnotations().ValidateOnStart();
                services.AddSingleton<InventoryRules>();
                services.AddSingleton<IReservationRules<InventoryReservationRequest>>(sp => sp.GetRequiredService<InventoryRules>());
                break;
            case ServiceRole.Delivery:
                services.AddOptions<DeliveryOptions>().BindConfiguration("Delivery").ValidateDataAnnotations().ValidateOnStart();
                services.AddSingleton<DeliveryRules>();
                services.AddSingleton<IReservationRules<DeliveryReservationRequest>>(sp => sp.GetRequiredService<DeliveryRules>());
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(role), role, "Not a participant role.");
        }
        return builder;
    }

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

    private static Ok<StockView> GetStock(string sku, InventoryRules rules, ReservationStore store)
    {
        var reserved = store.UnitsHeld(sku);
        return TypedResults.Ok(new StockView(sku, rules.StockOf(sku) - reserved, reserved));
    }

    private static Ok<SlotView> GetSlot(string slot, DeliveryRules rules, ReservationStore store) =>
        TypedResults.Ok(new SlotView(slot, rules.Capacity, store.UnitsHeld(slot)));
}
