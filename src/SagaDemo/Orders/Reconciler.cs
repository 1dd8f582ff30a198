using Microsoft.Extensions.Options;
using SagaDemo.Clients;
using SagaDemo.Contracts;
using SagaDemo.Hosting;
using SagaDemo.Infrastructure.Storage;
using SagaDemo.Saga;

namespace SagaDemo.Orders;

/// <summary>What one pass found at one participant, what it released (or, in a dry run, would), and what it refused to release.</summary>
public sealed record ParticipantReconciliation(
    string Participant, int Checked, IReadOnlyList<ReleasedReservation> Released, string? Error, IReadOnlyList<RefusedRelease> Refused);

/// <summary>A reservation the reconciler released: whose, why, and whether the cancel went through (never, in a dry run).</summary>
public sealed record ReleasedReservation(string Participant, string OrderId, string Reason, bool Cancelled, string? Detail);

/// <summary>A hold the reconciler would have released but did not dare to: whose, and why not.</summary>
public sealed record RefusedRelease(string Participant, string OrderId, string Reason);

public sealed record ReconcilePass(DateTimeOffset StartedAt, DateTimeOffset FinishedAt, IReadOnlyList<ParticipantReconciliation> Participants, bool DryRun = false)
{
    public int Checked => Participants.Sum(p => p.Checked);

    public int Released => Participants.Sum(p => p.Released.Count(r => r.Cancelled));

    public int Failed => Participants.Sum(p => (DryRun ? 0 : p.Released.Count(r => !r.Cancelled)) + (p.Error is null ? 0 : 1));

    public int Refused => Participants.Sum(p => p.Refused.Count);
}

/// <summary>Everything the reconciler has done since this orchestrator started (dry runs aside), and its latest pass.</summary>
public sealed record ReconcileStatus(long Passes, long Checked, long Released, long Failed, ReconcilePass? LastPass, long Refused = 0);

/// <summary>
/// Cross-checks what the participants hold against the saga log, periodically and on POST /reconcile,
/// and releases what must not be held: a reservation for an order that is cancelled (its saga ended
/// without it), or for an order the log has never seen, once older than the grace period (the log
/// records every order before its first reserve). Orders still running, confirmed, or waiting for an
/// operator are left to their saga. A release is a cancel at the participant, recorded in the
/// order's history when the order exists, logged, and counted in GET /reconcile.
/// It cannot wipe the world when the log itself is wrong (empty, recreated, restored from a
/// backup): holds for orders the log never saw are released at most MaxUnknownReleases per pass,
/// and never when they are older than the log; what it refuses is logged as an error and reported.
/// A hold older than the order retention (Retention__Orders) whose order is gone is left alone: its
/// order may have ended long ago and been deleted.
/// A dry run (POST /reconcile?dry_run=true) lists what a pass would release and releases nothing.
/// </summary>
public sealed class Reconciler(
    IOrderStore store,
    OrderSaga saga,
    TimeProvider clock,
    IOptions<ReconcileOptions> options,
    IOptions<RetentionOptions> retention,
    SagaTelemetry telemetry,
    ILogger<Reconciler> logger) : BackgroundService
{
    private readonly SemaphoreSlim oneAtATime = new(1, 1);
    private readonly Dictionary<string, Progress> progress = new(StringComparer.Ordinal);
    private ReconcileStatus status = new(0, 0, 0, 0, null);

    public ReconcileStatus Status => Volatile.Read(ref status);

    public async Task<ReconcilePass> RunPassAsync(CancellationToken cancellationToken, bool dryRun = false)
    {
        await oneAtATime.WaitAsync(cancellationToken);
        try
        {
            var startedAt = clock.GetUtcNow();
            var run = new PassRun(startedAt, await store.CreatedAtAsync(cancellationToken), options.Value.MaxUnknownReleases, dryRun);
            var results = new List<ParticipantReconciliation>();
            foreach (var participant in saga.Participants)
            {
                results.Add(await ReconcileAsync(participant, run, cancellationToken));
            }

            var pass = new ReconcilePass(startedAt, clock.GetUtcNow(), results, dryRun);
            if (dryRun)
            {
                return pass;
            }
            var before = Status;
            Volatile.Write(ref status, new ReconcileStatus(before.Passes + 1, before.Checked + pass.Checked,
                before.Released + pass.Released, before.Failed + pass.Failed, pass, before.Refused + pass.Refused));
            if (pass.Released + pass.Failed > 0)
            {
                logger.LogWarning("Reconcile pass: {Checked} reservation(s) checked, {Released} released, {Failed} failure(s)",
                    pass.Checked, pass.Released, pass.Failed);
            }
            if (pass.Refused > 0)
            {
                logger.LogError("Reconcile pass refused to release {Refused} hold(s) for orders the saga log has never seen " +
                    "(more than Reconcile__MaxUnknownReleases={Cap}, or older than the log, which began {LogCreated:o}): is this the right log? " +
                    "See GET /reconcile for which; release them by hand only if they are truly stray",
                    pass.Refused, options.Value.MaxUnknownReleases, run.LogCreatedAt);
            }
            return pass;
        }
        finally
        {
            oneAtATime.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RunPassAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Reconcile pass failed; the next one runs in {Interval}", options.Value.Interval);
            }
        }
    }

    private async Task<ParticipantReconciliation> ReconcileAsync(ParticipantClient participant, PassRun run, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = run.Now;
        var place = progress.GetValueOrDefault(participant.Name);
        var fromWatermark = place.Resume is null;
        var after = place.Resume ?? place.Watermark;
        var released = new List<ReleasedReservation>();
        var refused = new List<RefusedRelease>();
        var seen = 0;
        var settledSoFar = fromWatermark;
        try
        {
            while (true)
            {
                var page = await participant.ListReservedAsync(after, Math.Min(settings.PageSize, settings.MaxPerPass - seen), cancellationToken);
                foreach (var reservation in page.Reservations)
                {
                    seen++;
                    var settled = await SettleAsync(participant, reservation, run, released, refused, cancellationToken);
                    // The watermark passes only reservations that no later pass needs to see again.
                    settledSoFar &= settled && reservation.CreatedAt < now - settings.GracePeriod;
                    if (settledSoFar)
                    {
                        place = place with { Watermark = ReservationCursor.Of(reservation).ToString() };
                    }
                }
                after = page.Next;
                if (after is null || seen >= settings.MaxPerPass)
                {
                    break;
                }
            }
            if (!run.DryRun)
            {
                progress[participant.Name] = place with { Resume = after };
            }
            return new ParticipantReconciliation(participant.Name, seen, released, null, refused);
        }
        catch (Exception ex) when (ParticipantClient.IsNoUsableAnswer(ex) && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Reconcile: could not read the reservations of {Participant}: {Error}", participant.Name, ex.Message);
            return new ParticipantReconciliation(participant.Name, seen, released, $"Could not read the reservations of {participant.Name}: {ex.Message}", refused);
        }
    }

    /// <summary>Judges one reservation and releases it if it must go; true if no later pass needs to see it again.</summary>
    private async Task<bool> SettleAsync(ParticipantClient participant, ReservationView reservation, PassRun run,
        List<ReleasedReservation> released, List<RefusedRelease> refused, CancellationToken cancellationToken)
    {
        var verdict = await JudgeAsync(reservation, run.Now, cancellationToken);
        if (verdict.Reason is not { } reason)
        {
            return verdict.Settled;
        }
        if (verdict.Order is null && run.Refusal(reservation) is { } refusal)
        {
            // Not settled: a later pass (or an operator, once the log is known to be right) looks at it again.
            refused.Add(new RefusedRelease(participant.Name, reservation.OrderId, refusal));
            return false;
        }

        // The listing may predate the saga's own cancel: release only what the participant still holds
        // now, after the order was read (the saga's cancel succeeds before the order becomes cancelled).
        var current = await participant.GetStateAsync(reservation.OrderId, cancellationToken);
        if (current != ParticipantState.Reserved)
        {
            return current != ParticipantState.Unavailable;
        }

        if (run.DryRun)
        {
            released.Add(new ReleasedReservation(participant.Name, reservation.OrderId, reason, false, "Dry run: would be released; nothing was."));
            return false;
        }
        var release = await ReleaseAsync(participant, reservation.OrderId, reason, verdict.Order, cancellationToken);
        released.Add(release);
        return release.Cancelled;
    }

    private async Task<Verdict> JudgeAsync(ReservationView reservation, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var order = await store.FindAsync(reservation.OrderId, cancellationToken);
        return order switch
        {
            // Its order may have ended long ago and been deleted by retention: a confirmed order's hold. Left alone.
            null when reservation.CreatedAt < now - retention.Value.Orders + options.Value.GracePeriod => new Verdict(true, null, null),
            null when reservation.CreatedAt < now - options.Value.GracePeriod => new Verdict(false, null,
                $"The saga log has no order {reservation.OrderId}, and the reservation is older than the grace period " +
                $"({options.Value.GracePeriod.TotalSeconds:0} s)."),
            null => new Verdict(false, null, null),
            { Status: SagaStatus.Cancelled } => new Verdict(false, order, $"Order {reservation.OrderId} is cancelled, but the participant still held its reservation."),
            { Status: SagaStatus.Confirmed or SagaStatus.CompensationFailed } => new Verdict(true, order, null),
            _ => new Verdict(false, order, null), // still running: its saga or recovery ends it
        };
    }

    private async Task<ReleasedReservation> ReleaseAsync(ParticipantClient participant, string orderId, string reason, Order? order, CancellationToken cancellationToken)
    {
        using var logScope = OrderLog.BeginScope(logger, orderId);
        var startedAt = clock.GetUtcNow();
        var outcome = await participant.CancelAsync(orderId, cancellationToken);
        if (!outcome.Succeeded)
        {
            logger.LogWarning("Reconcile: {Participant} holds a reservation for order {OrderId} that must be released ({Reason}), " +
                "but the cancel failed: {Detail}; the next pass tries again", participant.Name, orderId, reason, outcome.Detail);
            return new ReleasedReservation(participant.Name, orderId, reason, false, outcome.Detail);
        }

        logger.LogWarning("Reconcile: released the reservation {Participant} held for order {OrderId}: {Reason}", participant.Name, orderId, reason);
        telemetry.Released(participant.Name);
        if (order is not null)
        {
            await RecordAsync(order, new StepCall(participant.Name, SagaAction.Reconcile, CallOutcome.Succeeded, outcome.Attempts,
                startedAt, clock.GetUtcNow(), $"Released by the reconciler: {reason}"), cancellationToken);
        }
        return new ReleasedReservation(participant.Name, orderId, reason, true, null);
    }

    /// <summary>Adds the release to the order's history; a concurrent change is reloaded and the entry added again.</summary>
    private async Task RecordAsync(Order order, StepCall release, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var write = await store.UpdateAsync(order with { History = order.History.Add(release), UpdatedAt = clock.GetUtcNow() }, cancellationToken);
            if (write.Saved)
            {
                return;
            }
            order = await store.FindAsync(order.OrderId, cancellationToken) ?? order;
        }
        logger.LogWarning("Reconcile: order {OrderId} kept changing; the release is logged but not in its history", order.OrderId);
    }

    private readonly record struct Progress(string? Watermark, string? Resume);

    /// <summary>One pass: its time, when the log began, and how many holds of unknown orders it may still release.</summary>
    private sealed class PassRun(DateTimeOffset now, DateTimeOffset logCreatedAt, int maxUnknownReleases, bool dryRun)
    {
        private readonly int cap = maxUnknownReleases;
        private int unknownLeft = maxUnknownReleases;

        public DateTimeOffset Now { get; } = now;

        public DateTimeOffset LogCreatedAt { get; } = logCreatedAt;

        public bool DryRun { get; } = dryRun;

        /// <summary>Why a hold for an order the log never saw must not be released now, or null (and one of the pass's releases is used).</summary>
        public string? Refusal(ReservationView reservation)
        {
            if (reservation.CreatedAt < LogCreatedAt)
            {
                return $"The hold ({reservation.CreatedAt:o}) is older than the saga log itself ({LogCreatedAt:o}): the log may have been replaced or restored.";
            }
            if (unknownLeft <= 0)
            {
                return $"This pass already released Reconcile__MaxUnknownReleases={cap} hold(s) of orders the log has never seen.";
            }
            unknownLeft--;
            return null;
        }
    }

    /// <summary>Settled: no later pass needs to look at it again. Reason: why it must be released, if it must.</summary>
    private sealed record Verdict(bool Settled, Order? Order, string? Reason);
}
