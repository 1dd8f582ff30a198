using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace SagaDemo.Infrastructure.Storage;

/// <summary>How long what is over is kept before the retention job deletes it (section "Retention").</summary>
public sealed class RetentionOptions
{
    /// <summary>Confirmed and cancelled orders, counted from when they ended (compensation_failed ones wait for an operator and are kept).</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan Orders { get; set; } = TimeSpan.FromDays(30);

    /// <summary>A participant's released (cancelled) and refused (rejected) reservations, counted from when they were made.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan Reservations { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often the job looks for what is due (and once at start-up).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Records deleted per statement: a pass deletes batch after batch, so no transaction grows large.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 1000;
}

/// <summary>
/// Deletes what a role's store holds that is over and older than its retention, in batches, at
/// start-up and every Retention__Interval. A pass that fails (the store is down) is logged and the
/// next one tries again; nothing else waits for it.
/// </summary>
public sealed class RetentionJob(
    IStore store,
    Func<RetentionOptions, TimeSpan> keepFor,
    IOptions<RetentionOptions> options,
    TimeProvider clock,
    ILogger<RetentionJob> logger) : BackgroundService
{
    private readonly SemaphoreSlim oneAtATime = new(1, 1);
    private long deleted;

    /// <summary>How many records the passes have deleted since the process started.</summary>
    public long Deleted => Interlocked.Read(ref deleted);

    /// <summary>One pass (one at a time): batch after batch until one comes back short; answers how many it deleted.</summary>
    public async Task<long> RunPassAsync(CancellationToken cancellationToken)
    {
        await oneAtATime.WaitAsync(cancellationToken);
        try
        {
            return await DeleteDueAsync(cancellationToken);
        }
        finally
        {
            oneAtATime.Release();
        }
    }

    private async Task<long> DeleteDueAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var before = clock.GetUtcNow() - keepFor(settings);
        long pass = 0;
        int batch;
        do
        {
            batch = await store.DeleteExpiredAsync(before, settings.BatchSize, cancellationToken);
            pass += batch;
            Interlocked.Add(ref deleted, batch);
        }
        while (batch == settings.BatchSize);
        if (pass > 0)
        {
            logger.LogInformation("Retention: deleted {Count} record(s) of the {Store} that were over before {Before:o}", pass, store.Description, before);
        }
        return pass;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, clock);
        do
        {
            try
            {
                await RunPassAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Retention pass of the {Store} failed; the next one runs in {Interval}", store.Description, options.Value.Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
