using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.FileProviders;
using SagaDemo.Saga;

namespace SagaDemo.Orders;

/// <summary>
/// GET /dashboard: the saga dashboard, one page of static files (wwwroot/dashboard, embedded in the
/// executable) over the orders API, and the one figure that API lacks: how many orders have each status.
/// </summary>
public static class DashboardApi
{
    public static WebApplication MapDashboard(this WebApplication app)
    {
        var files = new EmbeddedFileProvider(typeof(DashboardApi).Assembly, "SagaDemo.wwwroot.dashboard");
        app.UseStaticFiles(new StaticFileOptions { RequestPath = "/dashboard", FileProvider = files });
        var dashboard = app.MapGroup("/dashboard").WithTags("dashboard");
        dashboard.MapGet("/", () => TypedResults.Stream(files.GetFileInfo("index.html").CreateReadStream(), "text/html; charset=utf-8"))
            .ExcludeFromDescription();
        dashboard.MapGet("/counts", CountOrders);
        return app;
    }

    /// <summary>How many orders have each status, every status named (0 when none).</summary>
    private static async Task<Ok<Dictionary<string, long>>> CountOrders(IOrderStore store, CancellationToken cancellationToken)
    {
        var counts = await store.CountByStatusAsync(cancellationToken);
        return TypedResults.Ok(Enum.GetValues<SagaStatus>().ToDictionary(SagaStates.Name, status => counts.GetValueOrDefault(status)));
    }
}
