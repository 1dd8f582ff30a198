namespace SagaDemo.Storage;

/// <summary>Makes or migrates the schema before the server listens; a store that cannot be reached stops start-up.</summary>
public sealed class OrderStoreInitializer(IOrderStore store, ILogger<OrderStoreInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await store.InitializeAsync(cancellationToken);
            logger.LogInformation("Order store ready ({Store})", store.GetType().Name);
        }
        catch (Exception ex) when (ex is not StoreUnavailableException and not OperationCanceledException)
        {
            throw new StoreUnavailableException($"The order store could not be prepared: {ex.Message}", ex);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
