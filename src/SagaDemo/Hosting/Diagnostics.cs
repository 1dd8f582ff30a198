namespace SagaDemo.Hosting;

/// <summary>
/// For the benchmark only, off unless Diagnostics__GcEndpoint=true: POST /diagnostics/gc collects
/// everything it can and answers the live heap and the resident memory, so bench/memory.sh can say
/// how many bytes one order (or reservation) held costs.
/// </summary>
public static class Diagnostics
{
    public sealed record MemoryView(long HeapBytes, long ResidentBytes);

    public static WebApplication MapDiagnostics(this WebApplication app)
    {
        if (app.Configuration.GetValue<bool>("Diagnostics:GcEndpoint"))
        {
            app.MapPost("/diagnostics/gc", () =>
            {
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
                return TypedResults.Ok(new MemoryView(GC.GetTotalMemory(forceFullCollection: false), Environment.WorkingSet));
            }).ExcludeFromDescription();
        }
        return app;
    }
}
