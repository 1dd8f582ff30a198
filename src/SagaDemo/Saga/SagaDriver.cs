namespace SagaDemo.Saga;

/// <summary>How a drive ended: with the saga carried as far as it goes now, or with somebody else's saga.</summary>
public enum SagaDriveEnd
{
    /// <summary>Driven to an end, or to its next round of compensation, or it had ended already.</summary>
    Driven,

    /// <summary>A new saga's id was taken: <see cref="SagaDrive{TData}.Log"/> is the saga recorded before.</summary>
    AlreadyExists,

    /// <summary>Another orchestrator changed the log first (it took the saga over): this drive stopped.</summary>
    TakenOver,
}

/// <summary>What a drive came to: how it ended, the log as it stands, the failure that turned it around, what is still owed.</summary>
public sealed record SagaDrive<TData>(SagaDriveEnd End, SagaLog<TData> Log, StepOutcome? Failure, IReadOnlyList<string> Owed);

/// <summary>
/// The one loop that drives a saga, for a new saga, recovery and an operator's redrive alike:
/// ask the planner for the next action, write its intent (a versioned write that also renews this
/// orchestrator's lease), make the call, record its outcome, until the planner says stop. The
/// outcome of a call is committed with the next write (the next intent, or the status change that
/// acts on it): nothing is acted on before it is committed, and a saga takes four writes. A taken
/// id or a write that lost the race is a value of the result, never an exception.
/// </summary>
public sealed class SagaDriver<TData>(
    SagaDefinition<TData> saga,
    ISagaLogStore<TData> store,
    SagaLease lease,
    SagaBudgets budgets,
    TimeProvider clock,
    ILogger<SagaDriver<TData>> logger,
    SagaTelemetry telemetry)
{
    public const string InterruptedFailure =
        "The saga was interrupted (the orchestrator stopped) before every step was reserved; what it had reserved is released.";

    /// <summary>Starts a new saga: its log is inserted by the first write, the first call's intent.</summary>
    public async Task<SagaDrive<TData>> StartAsync(TData details, CancellationToken cancellationToken)
    {
        using var span = SagaTelemetry.StartDrive(saga.Name, saga.IdTag, saga.IdOf(details), originalTrace: null);
        var log = SagaLog<TData>.Begin(details, clock.GetUtcNow()) with { TraceParent = span?.Id };
        var drive = await DriveAsync(log, isNew: true, resumed: false, cancellationToken);
        SagaTelemetry.DriveEnded(span, drive.Log);
        return drive;
    }

    /// <summary>
    /// Takes a saga over and drives it: the claim is a versioned write, so of two orchestrators only
    /// one gets it. A call still pending was cut off when its orchestrator stopped: its outcome is unknown.
    /// </summary>
    public async Task<SagaDrive<TData>> ResumeAsync(SagaLog<TData> log, CancellationToken cancellationToken)
    {
        using var span = SagaTelemetry.StartDrive(saga.Name, saga.IdTag, saga.IdOf(log.Details), log.TraceParent);
        var claim = await SaveAsync(log with
        {
            History = [.. log.History.Select(call => call.Outcome == CallOutcome.Pending
                ? call with { Outcome = CallOutcome.Unknown, Detail = "The orchestrator stopped during this call; its outcome is unknown." }
                : call)],
        }, isNew: false, release: false);
        var drive = claim.Saved
            ? await DriveAsync(claim.Log, isNew: false, resumed: true, cancellationToken)
            : Ended(claim, null);
        SagaTelemetry.DriveEnded(span, drive.Log);
        return drive;
    }

    private async Task<SagaDrive<TData>> DriveAsync(SagaLog<TData> log, bool isNew, bool resumed, CancellationToken cancellationToken)
    {
        var driveStart = log.History.Length;
        StepOutcome? failure = null;
        while (true)
        {
            var plan = SagaPlanner.Next(saga.StepNames, log, driveStart, resumed, clock.GetUtcNow(), budgets);
            SagaWrite<TData> write;
            switch (plan)
            {
                case SagaPlan.Reserve reserve:
                    (write, var reserved) = await CallAsync(log, reserve.Step, SagaAction.Reserve, isNew, cancellationToken);
                    isNew = false;
                    if (reserved is { Succeeded: false })
                    {
                        failure = reserved;
                        logger.LogWarning("Step {Step} failed ({Outcome}: {Detail}); compensating what was done",
                            reserve.Step, WireNames.Of(reserved.Outcome), reserved.Detail);
                    }
                    break;

                case SagaPlan.Cancel cancel:
                    var wait = cancel.NotBefore - clock.GetUtcNow();
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, clock, cancellationToken);
                    }
                    (write, var cancelled) = await CallAsync(log, cancel.Step, SagaAction.Cancel, isNew: false, cancellationToken);
                    if (cancelled is { Succeeded: false })
                    {
                        // Retried after a backoff while this round's budget lasts; then it stays owed.
                        logger.LogWarning("Compensation of {Step} failed ({Detail})", cancel.Step, cancelled.Detail);
                    }
                    break;

                case SagaPlan.Compensate compensate:
                    write = await SaveAsync(log.MoveTo(SagaStatus.Compensating) with
                    {
                        Failure = failure is null ? InterruptedFailure : $"{Capitalized(compensate.FailedStep)} reservation failed: {failure.Detail}",
                        FailureOutcome = failure?.Outcome,
                        FailureTimedOut = failure?.TimedOut ?? false,
                    }, isNew: false, release: false);
                    break;

                case SagaPlan.Confirm:
                    return Finished(Ended(await SaveAsync(log.MoveTo(SagaStatus.Confirmed), isNew: false, release: true), failure));

                case SagaPlan.FinishCancelled:
                    return Finished(Ended(await SaveAsync(log.MoveTo(SagaStatus.Cancelled) with { NextAttemptAt = null }, isNew: false, release: true), failure));

                case SagaPlan.WaitUntil next:
                    return await EndRoundAsync(log, SagaStatus.Compensating, next.At, next.Owed, failure);

                case SagaPlan.HandToOperator spent:
                    var handed = await EndRoundAsync(log, SagaStatus.CompensationFailed, spent.NextAttemptAt, spent.Owed, failure);
                    // Finished for the metrics the first time it is handed over, not on every operator's redrive.
                    return log.Status == SagaStatus.CompensationFailed ? handed : Finished(handed);

                default:
                    return new SagaDrive<TData>(SagaDriveEnd.Driven, log, failure, []);
            }

            if (!write.Saved)
            {
                return Ended(write, failure);
            }
            log = write.Log;
        }
    }

    /// <summary>
    /// Writes the call's intent, makes the call, and returns the log with its outcome recorded (not
    /// written yet: the next write commits it). Null outcome: the intent could not be written.
    /// </summary>
    private async Task<(SagaWrite<TData> Write, StepOutcome? Outcome)> CallAsync(
        SagaLog<TData> log, string stepName, SagaAction action, bool isNew, CancellationToken cancellationToken)
    {
        var intent = new StepCall(stepName, action, CallOutcome.Pending, 0, clock.GetUtcNow(), null, null);
        var write = await SaveAsync(log with { History = log.History.Add(intent) }, isNew, release: false);
        if (!write.Saved)
        {
            return (write, null);
        }

        if (isNew)
        {
            telemetry.Started();
        }

        var step = saga.Step(stepName);
        var id = saga.IdOf(write.Log.Details);
        using var span = SagaTelemetry.StartCall(saga.IdTag, id, stepName, action);
        var started = clock.GetTimestamp();
        StepOutcome outcome;
        try
        {
            outcome = await (action == SagaAction.Reserve ? step.Reserve : step.Cancel)(write.Log.Details, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A step should answer with an outcome; one that throws has an unknown effect.
            outcome = StepOutcome.Unknown(ex.Message);
        }
        telemetry.CallEnded(span, stepName, action, outcome, clock.GetElapsedTime(started));

        var done = intent with
        {
            Outcome = outcome.Outcome,
            Attempts = outcome.Attempts,
            FinishedAt = clock.GetUtcNow(),
            Detail = outcome.Detail,
        };
        var history = write.Log.History;
        return (SagaWrite<TData>.Ok(write.Log with { History = history.SetItem(history.Length - 1, done) }), outcome);
    }

    private async Task<SagaWrite<TData>> SaveAsync(SagaLog<TData> changed, bool isNew, bool release)
    {
        var now = clock.GetUtcNow();
        var next = changed with
        {
            UpdatedAt = now,
            LeaseOwner = release ? null : lease.Owner,
            LeaseUntil = release ? null : now + lease.Duration,
        };
        // Once accepted, a saga is carried to its end even if whoever asked for it goes away: no token here.
        return isNew ? await store.InsertAsync(next, CancellationToken.None) : await store.UpdateAsync(next, CancellationToken.None);
    }

    /// <summary>A round of compensation ended with cancels still owed: the next round at <paramref name="next"/>, or an operator's turn.</summary>
    private async Task<SagaDrive<TData>> EndRoundAsync(
        SagaLog<TData> log, SagaStatus status, DateTimeOffset next, IReadOnlyList<string> owed, StepOutcome? failure)
    {
        var drive = Ended(await SaveAsync(log.MoveTo(status) with { CompensationRounds = log.CompensationRounds + 1, NextAttemptAt = next },
            isNew: false, release: true), failure, owed);
        if (drive.End == SagaDriveEnd.Driven)
        {
            telemetry.Owed(saga.IdOf(drive.Log.Details), owed.Count);
        }
        return drive;
    }

    /// <summary>A saga that reached confirmed, cancelled or compensation_failed is counted once, by that outcome.</summary>
    private SagaDrive<TData> Finished(SagaDrive<TData> drive)
    {
        if (drive.End == SagaDriveEnd.Driven)
        {
            telemetry.Finished(saga.IdOf(drive.Log.Details), drive.Log, clock.GetUtcNow());
        }
        return drive;
    }

    private static string Capitalized(string step) => $"{char.ToUpperInvariant(step[0])}{step[1..]}";

    private static SagaDrive<TData> Ended(SagaWrite<TData> write, StepOutcome? failure, IReadOnlyList<string>? owed = null) => write.Result switch
    {
        SagaWriteResult.Saved => new(SagaDriveEnd.Driven, write.Log, failure, owed ?? []),
        SagaWriteResult.AlreadyExists => new(SagaDriveEnd.AlreadyExists, write.Log, null, []),
        _ => new(SagaDriveEnd.TakenOver, write.Log, failure, []),
    };
}
