using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using SagaDemo.Clients;
using SagaDemo.Contracts;
using SagaDemo.Hosting;

namespace SagaDemo.Tests.Infrastructure;

/// <summary>
/// The whole system in process: three participants and an orchestrator whose typed clients reach
/// them through <see cref="ParticipantLink"/>s. Retry and compensation delays are zero, so tests
/// never wait on the clock.
/// </summary>
public sealed class SagaSystem : IDisposable
{
    private static readonly Dictionary<string, string?> FastRetries = new()
    {
        ["Resilience:RetryBaseDelay"] = "00:00:00",
        ["Saga:CompensationBaseDelay"] = "00:00:00",
        ["Saga:CompensationMaxDelay"] = "00:00:00",
    };

    public SagaSystem(
        IReadOnlyDictionary<string, string?>? participantSettings = null,
        IReadOnlyDictionary<string, string?>? orchestratorSettings = null,
        Action<IServiceCollection>? orchestratorServices = null,
        Action<IServiceCollection>? participantServices = null)
    {
        Payment = new SagaFactory(ServiceRole.Payment, participantSettings, participantServices);
        Inventory = new SagaFactory(ServiceRole.Inventory, participantSettings, participantServices);
        Delivery = new SagaFactory(ServiceRole.Delivery, participantSettings, participantServices);
        PaymentLink = new ParticipantLink("payment", Calls);
        InventoryLink = new ParticipantLink("inventory", Calls);
        DeliveryLink = new ParticipantLink("delivery", Calls);

        var settings = new Dictionary<string, string?>(FastRetries);
        foreach (var (key, value) in orchestratorSettings ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        Orders = new SagaFactory(ServiceRole.Order, settings, services =>
        {
            Route(services, "payment", Payment, PaymentLink);
            Route(services, "inventory", Inventory, InventoryLink);
            Route(services, "delivery", Delivery, DeliveryLink);
            orchestratorServices?.Invoke(services);
        });
        // Start every host now: started lazily from inside the client's handler factory, a host
        // start would block the thread-pool threads of every request waiting for that handler.
        _ = Payment.Server;
        _ = Inventory.Server;
        _ = Delivery.Server;
        Client = Orders.CreateClient();
    }

    public CallLog Calls { get; } = new();

    public SagaFactory Orders { get; }

    public SagaFactory Payment { get; }

    public SagaFactory Inventory { get; }

    public SagaFactory Delivery { get; }

    public ParticipantLink PaymentLink { get; }

    public ParticipantLink InventoryLink { get; }

    public ParticipantLink DeliveryLink { get; }

    /// <summary>A client of the orchestrator.</summary>
    public HttpClient Client { get; }

    public static OrderRequest NewOrder(string? orderId = null) =>
        new(orderId ?? $"test-{Guid.NewGuid():N}", 10m, "SKU-1", 1, "2024-05-20T10:00");

    public T Service<T>() where T : notnull => Orders.Services.GetRequiredService<T>();

    public Task<HttpResponseMessage> PlaceAsync(OrderRequest order) =>
        Client.PostAsJsonAsync("/orders", order, SagaJson.Options);

    public void Dispose()
    {
        Client.Dispose();
        Orders.Dispose();
        Payment.Dispose();
        Inventory.Dispose();
        Delivery.Dispose();
    }

    private static void Route(IServiceCollection services, string name, SagaFactory participant, ParticipantLink link) =>
        services.AddHttpClient(name).ConfigurePrimaryHttpMessageHandler(() => link.Wrap(participant.Server.CreateHandler()));
}
