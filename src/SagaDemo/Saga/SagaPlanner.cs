namespace SagaDemo.Saga;

/// <summary>
/// Decides a saga's next action from its definition (the step names, in execution order), its
/// durable log and the time, and nothing else: no I/O, no clock of its own. It is the one place
/// that says when a saga is done, what must be undone, and when the budgets are spent.
/// </summary>
public static class SagaPlanner
{
    /// <param name="steps">The saga's steps in execution order.</param>
    /// <param name="log">The saga's log as it stands, with the outcome of the last call recorded.</param>
    /// <param name="driveStart">Where in the history this drive (one round) began: its tries are counted from there.</param>
    /// <param name="resumed">
    /// The saga was taken over (by recovery or an operator's redrive): it is never carried forward,
    /// only confirmed if every reserve succeeded, or else compensated.
    /// </param>
    /// <param name="now">The time the action would be taken.</param>
    /// <param name="budgets">Tries, delays and rounds of compensation.</param>
    public static SagaPlan Next<TData>(
        IReadOnlyList<string> steps, SagaLog<TData> log, int driveStart, bool resumed, DateTimeOffset now, SagaBudgets budgets) =>
        log.Status switch
        {
            SagaStatus.Pending => Forward(steps, log, resumed),
            SagaStatus.Compensating => Backward(steps, log, driveStart, now, budgets),
            _ => new SagaPlan.Stop(),
        };

    /// <summary>
    /// A step must be undone if its reserve succeeded or may have (its outcome unknown, or still
    /// pending when the orchestrator stopped), and no cancel of it has succeeded yet.
    /// </summary>
    public static bool NeedsCompensation<TData>(SagaLog<TData> log, string step) =>
        log.LastOutcome(step, SagaAction.Reserve) is CallOutcome.Succeeded or CallOutcome.Unknown or CallOutcome.Pending
        && log.LastOutcome(step, SagaAction.Cancel) != CallOutcome.Succeeded;

    // Reserve each step in list order; the first that did not succeed turns the saga around.
    private static SagaPlan Forward<TData>(IReadOnlyList<string> steps, SagaLog<TData> log, bool resumed)
    {
        foreach (var step in steps)
        {
            var reserve = log.LastOutcome(step, SagaAction.Reserve);
            if (reserve == CallOutcome.Succeeded)
            {
                continue;
            }
            return reserve is null && !resumed ? new SagaPlan.Reserve(step) : new SagaPlan.Compensate(step);
        }
        return new SagaPlan.Confirm();
    }

    // Undo newest first. A cancel that fails is tried again after a capped exponential backoff, up to
    // the budget of this round; one that keeps failing does not stop the others from being undone.
    private static SagaPlan Backward<TData>(
        IReadOnlyList<string> steps, SagaLog<TData> log, int driveStart, DateTimeOffset now, SagaBudgets budgets)
    {
        var owed = steps.Reverse().Where(step => NeedsCompensation(log, step)).ToList();
        foreach (var step in owed)
        {
            var tries = CancelsSince(log, step, driveStart);
            if (tries.Count == 0)
            {
                return new SagaPlan.Cancel(step, now);
            }
            if (tries.Count < budgets.CompensationAttempts)
            {
                var after = tries[^1].FinishedAt ?? now;
                return new SagaPlan.Cancel(step, after + Backoff.Exponential(budgets.CompensationBaseDelay, tries.Count, budgets.CompensationMaxDelay));
            }
        }

        if (owed.Count == 0)
        {
            return new SagaPlan.FinishCancelled();
        }
        var round = log.CompensationRounds + 1;
        var next = now + Backoff.Exponential(budgets.RoundBaseDelay, round, budgets.RoundMaxDelay);
        return round >= budgets.MaxCompensationRounds ? new SagaPlan.HandToOperator(owed, next) : new SagaPlan.WaitUntil(owed, next);
    }

    private static List<StepCall> CancelsSince<TData>(SagaLog<TData> log, string step, int driveStart)
    {
        var tries = new List<StepCall>();
        for (var i = Math.Min(driveStart, log.History.Length); i < log.History.Length; i++)
        {
            if (log.History[i].Step == step && log.History[i].Action == SagaAction.Cancel)
            {
                tries.Add(log.History[i]);
            }
        }
        return tries;
    }
}
