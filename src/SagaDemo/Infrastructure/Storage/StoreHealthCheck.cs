using System.Data.Common;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SagaDemo.Infrastructure.Storage;

/// <summary>The readiness check: /health is unhealthy (503) while the role's store cannot be reached.</summary>
public sealed class StoreHealthCheck(IStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            await store.PingAsync(deadline.Token);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is StoreUnavailableException or OperationCanceledException or DbException)
        {
            return HealthCheckResult.Unhealthy($"The {store.Description} cannot be reached: {ex.Message}");
        }
    }
}
