using Microsoft.Extensions.Options;
using SagaDemo.Clients;
using SagaDemo.Contracts;
using SagaDemo.Hosting;
using SagaDemo.Saga;

namespace SagaDemo.Orders;

/// <summary>What one pass found at one participant and what it did.</summary>
public sealed record ParticipantReconciliation(string Participant, int Checked, IReadOnlyList<ReleasedReservation> Released, string? Error);

/// <summary>A reservation the reconciler released: whose, why, and whether the cancel went through.</summary>
public sealed record ReleasedReservation(string Participant, string OrderId, string Reason, bool Cancelled, string? Detail);

public sealed record ReconcilePass(DateTimeOffset StartedAt, DateTimeOffset FinishedAt, IReadOnlyList<ParticipantReconciliation> Participants)
{
    public int Checked => Participants.Sum(p => p.Checked);

    public int Released => Participants.Sum(p => p.Released.Count(r => r.Cancelled));

    public int Failed => Participants.Sum(p => p.Released.Count(r => !r.Cancelled) + (p.Error is null ? 0 : 1));
}

/// <summary>Everything the reconciler has done since this orchestrator started, and its latest pass.</summary>
public sealed record ReconcileStatus(long Passes, long Checked, long Released, long Failed, ReconcilePass? LastPass);

/// <summary>
/// Cross-checks what the participants hold against the saga log, periodically and on POST /reconcile,
/// and releases what must not be held: a reservation for an order that is cancelled (its saga ended
/// without it), or for an order the log has never seen, once older than the grace period (the log
/// records every order before its first reserve). Orders still running, confirmed, or waiting for an
/// operator are left to their saga. A release is a cancel at the participant, recorded in the
/// order's history when the order exists, logged, and counted in GET /reconcile.
/// </summary>
public sealed class Reconciler(
    IOrderStore store,
    OrderSaga saga,
    TimeProvider clock,
    IOptions<ReconcileOptions> options,
    SagaTelemetry telemetry,
    ILogger<Reconciler> logger) : BackgroundService
{
    private readonly SemaphoreSlim oneAtATime = new(1, 1);
    private readonly Dictionary<string, Progress> progress = new(StringComparer.Ordinal);
    private ReconcileStatus status = new(0, 0, 0, 0, null);

    public ReconcileStatus Status => Volatile.Read(ref status);

    public async Task<ReconcilePass> RunPassAsync(CancellationToken cancellationToken)
    {
        await oneAtATime.WaitAsync(cancellationToken);
        try
        {
            var startedAt = clock.GetUtcNow();
            var results = new List<ParticipantReconciliation>();
            foreach (var participant in saga.Participants)
            {
                results.Add(await ReconcileAsync(participant, startedAt, cancellationToken));
            }

            var pass = new ReconcilePass(startedAt, clock.GetUtcNow(), results);
            var before = Status;
            Volatile.Write(ref status, new ReconcileStatus(before.Passes + 1, before.Checked + pass.Checked,
                before.Released + pass.Released, before.Failed + pass.Failed, pass));
            if (pass.Released + pass.Failed > 0)
            {
                logger.LogWarning("Reconcile pass: {Checked} reservation(s) checked, {Released} released, {Failed} failure(s)",
                    pass.Checked, pass.Released, pass.Failed);
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

    private async Task<ParticipantReconciliation> ReconcileAsync(ParticipantClient participant, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var place = progress.GetValueOrDefault(participant.Name);
        var fromWatermark = place.Resume is null;
        var after = place.Resume ?? place.Watermark;
        var released = new List<ReleasedReservation>();
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
                    var settled = await SettleAsync(participant, reservation, now, released, cancellationToken);
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
            progress[participant.Name] = place with { Resume = after };
            return new ParticipantReconciliation(participant.Name, seen, released, null);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException or Polly.Timeout.TimeoutRejectedException
            && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Reconcile: could not read the reservations of {Participant}: {Error}", participant.Name, ex.Message);
            return new ParticipantReconciliation(participant.Name, seen, released, $"Could not read the reservations of {participant.Name}: {ex.Message}");
        }
    }

    /// <summary>Judges one reservation and releases it if it must go; true if no later pass needs to see it again.</summary>
    private async Task<bool> SettleAsync(ParticipantClient participant, ReservationView reservation, DateTimeOffset now,
        List<ReleasedReservation> released, CancellationToken cancellationToken)
    {
        var verdict = await JudgeAsync(reservation, now, cancellationToken);
        if (verdict.Reason is not { } reason)
        {
            return verdict.Settled;
        }

        // The listing may predate the saga's own cancel: release only what the participant still holds
        // now, after the order was read (the saga's cancel succeeds before the order becomes cancelled).
        var current = await participant.GetStateAsync(reservation.OrderId, cancellationToken);
        if (current != ParticipantState.Reserved)
        {
            return current != ParticipantState.Unavailable;
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

    /// <summary>Settled: no later pass needs to look at it again. Reason: why it must be released, if it must.</summary>
    private sealed record Verdict(bool Settled, Order? Order, string? Reason);
}
