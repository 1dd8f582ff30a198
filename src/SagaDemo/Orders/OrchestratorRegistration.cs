using Microsoft.Extensions.Options;
using SagaDemo.Clients;
using SagaDemo.Infrastructure.Storage;
using SagaDemo.Saga;

namespace SagaDemo.Orders;

public static class OrchestratorRegistration
{
    public static WebApplicationBuilder AddOrchestrator(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddParticipantClients();
        services.AddOptions<SagaOptions>().BindConfiguration("Saga").ValidateDataAnnotations().ValidateOnStart();
        // The saga is declared once: its typed clients live as long as the app (see ClientRegistration).
        services.AddSingleton<OrderSaga>();
        services.AddSingleton<SagaTelemetry>();
        services.AddOrderStore(builder.Configuration);
        services.AddOptions<RecoveryOptions>().BindConfiguration("Recovery").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<RecoveryOptions>, LeaseOutlastsACall>();
        services.AddSingleton(sp =>
        {
            var saga = sp.GetRequiredService<IOptions<SagaOptions>>().Value;
            var recovery = sp.GetRequiredService<IOptions<RecoveryOptions>>().Value;
            return new SagaDriver<OrderDetails>(
                sp.GetRequiredService<OrderSaga>().Definition,
                sp.GetRequiredService<IOrderStore>(),
                new SagaLease(recovery.InstanceId, recovery.LeaseDuration),
                new SagaBudgets(saga.CompensationAttempts, saga.CompensationBaseDelay, saga.CompensationMaxDelay,
                    recovery.MaxCompensationRounds, recovery.RetryBaseDelay, recovery.RetryMaxDelay),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<SagaDriver<OrderDetails>>>(),
                sp.GetRequiredService<SagaTelemetry>());
        });
        // The orchestrator's own types through generated serializers, like the contracts.
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, OrdersJsonContext.Default));
        services.AddSingleton<OrderCoordinator>();
        services.AddOrderLimits(builder.Configuration);
        services.AddSingleton<OrderRecovery>();
        services.AddHostedService(sp => sp.GetRequiredService<OrderRecovery>());
        services.AddOptions<ReconcileOptions>().BindConfiguration("Reconcile").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Reconciler>();
        services.AddHostedService(sp => sp.GetRequiredService<Reconciler>());
        return builder;
    }

    private static IServiceCollection AddOrderStore(this IServiceCollection services, IConfiguration configuration) =>
        services.AddStore<IOrderStore>(configuration, StorageRegistration.OrdersConnection, "sqlite", "Data Source=data/orders.db", "order_store", retention => retention.Orders,
            (sp, dialect) => dialect is null
                ? new InMemoryOrderStore(sp.GetRequiredService<TimeProvider>())
                : new SqlOrderStore(dialect, sp.GetRequiredService<TimeProvider>()));

    public static WebApplication MapOrchestrator(this WebApplication app)
    {
        app.UseOrderLimits();
        app.MapOrdersApi();
        app.MapDashboard();
        app.MapReconcileApi();
        return app;
    }
}
