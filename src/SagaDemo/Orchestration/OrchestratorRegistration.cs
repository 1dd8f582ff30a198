using SagaDemo.Clients;
using SagaDemo.Sagas;

namespace SagaDemo.Orchestration;

public static class OrchestratorRegistration
{
    public static WebApplicationBuilder AddOrchestrator(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddParticipantClients();
        services.AddOptions<SagaOptions>().BindConfiguration("Saga").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SagaRunner>();
        services.AddTransient<OrderSaga>();
        services.AddSingleton<IOrderStore, InMemoryOrderStore>();
        services.AddSingleton<OrderCoordinator>();
        return builder;
    }

    public static WebApplication MapOrchestrator(this WebApplication app)
    {
        app.MapOrdersApi();
        return app;
    }
}
