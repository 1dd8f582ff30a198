namespace SagaDemo.Hosting;

/// <summary>
/// For the benchmark only, off unless Diagnostics__GcEndpoint=true: POST /diagnostics/gc collects
/// everything it can and answers the live heap and the resident memory, so bench/memory.sh can say
/// how many bytes one order (or reservation) held costs — the resident memory twice: after full
/// collections, and after one more that also gives back to the system the free memory the GC keeps
/// for the allocations to come (what holding the orders takes, without the GC's reserve).
/// </summary>
public static class Diagnostics
{
    public sealed record MemoryView(long HeapBytes, long ResidentBytes, long ResidentTrimmedBytes);

    public static WebApplication MapDiagnostics(this WebApplication app)
    {
        if (app.Configuration.GetValue<bool>("Diagnostics:GcEndpoint"))
        {
            app.MapPost("/diagnostics/gc", () =>
            {
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
                var (heap, resident) = (GC.GetTotalMemory(forceFullCollection: false), Environment.WorkingSet);
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                return TypedResults.Ok(new MemoryView(heap, resident, Environment.WorkingSet));
            }).ExcludeFromDescription();
        }
        return app;
    }
}
