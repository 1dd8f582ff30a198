using System.ComponentModel.DataAnnotations;

namespace SagaDemo.Orders;

/// <summary>How the participants' reservations are cross-checked against the saga log (section "Reconcile").</summary>
public sealed class ReconcileOptions
{
    /// <summary>How often a pass runs (POST /reconcile runs one at once).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How old a reservation for an order the log has never seen must be before it is released. The
    /// log records an order before its first reserve, so this only covers clock differences between
    /// machines; it also bounds how far back each pass looks again.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan GracePeriod { get; set; } = TimeSpan.FromMinutes(2);

    [Range(1, 1000)]
    public int PageSize { get; set; } = 500;

    /// <summary>At most this many reservations per participant in one pass; the next pass goes on from there.</summary>
    [Range(1, 1_000_000)]
    public int MaxPerPass { get; set; } = 20_000;

    /// <summary>
    /// At most this many holds for orders the log has never seen are released in one pass (across
    /// the participants); the others are refused and reported. An empty or replaced log (a recreated
    /// volume, a fresh database, a restored backup) would otherwise release every confirmed order's holds.
    /// </summary>
    [Range(0, 1_000_000)]
    public int MaxUnknownReleases { get; set; } = 10;
}
