namespace SagaDemo.Infrastructure.Storage;

/// <summary>Makes or migrates the schema before the server listens; a store that cannot be reached stops start-up.</summary>
public sealed class StoreInitializer(IStore store, ILogger<StoreInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await store.InitializeAsync(cancellationToken);
            logger.LogInformation("The {Store} is ready ({Implementation})", store.Description, store.GetType().Name);
        }
        catch (Exception ex) when (ex is not StoreUnavailableException and not OperationCanceledException)
        {
            throw new StoreUnavailableException($"The {store.Description} could not be prepared: {ex.Message}", ex);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
