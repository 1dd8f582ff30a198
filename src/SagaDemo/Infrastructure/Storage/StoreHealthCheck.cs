using System.Data.Common;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SagaDemo.Infrastructure.Storage;

/// <summary>The readiness check: /health is unhealthy (503) while the role's store cannot be reached, or cannot write for lack of space.</summary>
public sealed class StoreHealthCheck(IStore store) : IHealthCheck
{
    /// <summary>The key of a result's reason that /health may show publicly (it names no host, file or error).</summary>
    public const string PublicReason = "public_reason";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            await store.PingAsync(deadline.Token);
            return HealthCheckResult.Healthy();
        }
        catch (StoreUnavailableException ex) when (ex.OutOfSpace)
        {
            return HealthCheckResult.Unhealthy($"The {store.Description} is out of space: {ex.Message}. Free space on its volume (or grow it); " +
                "new orders are refused with 503 until a write goes through again.",
                data: new Dictionary<string, object> { [PublicReason] = "out of space" });
        }
        catch (Exception ex) when (ex is StoreUnavailableException or OperationCanceledException or DbException)
        {
            return HealthCheckResult.Unhealthy($"The {store.Description} cannot be reached: {ex.Message}");
        }
    }
}
