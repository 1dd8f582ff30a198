using SagaDemo.Clients;
using SagaDemo.Sagas;
using SagaDemo.Storage;

namespace SagaDemo.Orchestration;

public static class OrchestratorRegistration
{
    public static WebApplicationBuilder AddOrchestrator(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddParticipantClients();
        services.AddOptions<SagaOptions>().BindConfiguration("Saga").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SagaRunner>();
        // The saga is declared once: its typed clients live as long as the app (see ClientRegistration).
        services.AddSingleton<OrderSaga>();
        services.AddOrderStore(builder.Configuration);
        services.AddOptions<RecoveryOptions>().BindConfiguration("Recovery").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<OrderJournals>();
        services.AddSingleton<OrderCoordinator>();
        services.AddSingleton<OrderRecovery>();
        services.AddHostedService(sp => sp.GetRequiredService<OrderRecovery>());
        services.AddOptions<ReconcileOptions>().BindConfiguration("Reconcile").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Reconciler>();
        services.AddHostedService(sp => sp.GetRequiredService<Reconciler>());
        return builder;
    }

    public static WebApplication MapOrchestrator(this WebApplication app)
    {
        app.MapOrdersApi();
        app.MapReconcileApi();
        return app;
    }
}
