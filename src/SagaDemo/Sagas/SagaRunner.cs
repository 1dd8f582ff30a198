using Microsoft.Extensions.Options;
using SagaDemo.Contracts;

namespace SagaDemo.Sagas;

/// <summary>
/// Runs any saga: steps forward in list order; when one fails, the compensations of the steps
/// already done in reverse order. It knows nothing about payments or stock.
/// </summary>
public sealed class SagaRunner(TimeProvider clock, IOptions<SagaOptions> options, ILogger<SagaRunner> logger)
{
    public async Task<SagaResult> RunAsync<TContext>(
        IReadOnlyList<SagaStep<TContext>> steps, TContext context, ISagaJournal journal, CancellationToken cancellationToken)
    {
        var done = new Stack<SagaStep<TContext>>();
        foreach (var step in steps)
        {
            var outcome = await CallAsync(step.Name, SagaAction.Reserve, step.Execute, context, journal, cancellationToken);
            if (outcome.Succeeded)
            {
                done.Push(step);
                continue;
            }

            // An unknown outcome may have taken effect on the other side, so it is undone too;
            // compensations are idempotent and accept an order they never saw.
            if (outcome.IsUnknown)
            {
                done.Push(step);
            }

            logger.LogWarning("Step {Step} failed ({Status}: {Detail}); compensating {Count} step(s)",
                step.Name, outcome.Status, outcome.Detail, done.Count);
            await journal.CompensatingAsync(step.Name, outcome);
            var owed = await CompensateAsync(done, context, journal, cancellationToken);
            return new SagaResult(step.Name, outcome, owed);
        }

        return SagaResult.Completed;
    }

    /// <summary>Compensates the given steps in the order given (newest first); returns those still owed.</summary>
    public async Task<IReadOnlyList<string>> CompensateAsync<TContext>(
        IEnumerable<SagaStep<TContext>> newestFirst, TContext context, ISagaJournal journal, CancellationToken cancellationToken)
    {
        var owed = new List<string>();
        foreach (var step in newestFirst)
        {
            // One compensation that keeps failing must not stop the others from releasing what they hold.
            if (!await CompensateStepAsync(step, context, journal, cancellationToken))
            {
                owed.Add(step.Name);
            }
        }
        return owed;
    }

    private async Task<bool> CompensateStepAsync<TContext>(
        SagaStep<TContext> step, TContext context, ISagaJournal journal, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        for (var attempt = 1; ; attempt++)
        {
            var outcome = await CallAsync(step.Name, SagaAction.Cancel, step.Compensate, context, journal, cancellationToken);
            if (outcome.Succeeded)
            {
                return true;
            }

            if (attempt >= settings.CompensationAttempts)
            {
                logger.LogError("Compensation of {Step} still failing after {Attempts} attempts ({Detail}); it stays owed",
                    step.Name, attempt, outcome.Detail);
                return false;
            }

            var delay = Backoff.Exponential(settings.CompensationBaseDelay, attempt, settings.CompensationMaxDelay);
            logger.LogWarning("Compensation of {Step} failed ({Detail}); retrying in {Delay}", step.Name, outcome.Detail, delay);
            await Task.Delay(delay, clock, cancellationToken);
        }
    }

    private async Task<StepOutcome> CallAsync<TContext>(
        string step,
        SagaAction action,
        Func<TContext, CancellationToken, Task<StepOutcome>> call,
        TContext context,
        ISagaJournal journal,
        CancellationToken cancellationToken)
    {
        var startedAt = clock.GetUtcNow();
        await journal.CallStartingAsync(new StepCall(step, action, CallOutcome.Pending, 0, startedAt, null, null));
        StepOutcome outcome;
        try
        {
            outcome = await call(context, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A step should answer with an outcome; one that throws has an unknown effect.
            outcome = StepOutcome.Unreachable(ex.Message);
        }

        var result = outcome.Status switch
        {
            StepStatus.Succeeded => CallOutcome.Succeeded,
            StepStatus.Rejected => CallOutcome.Failed,
            _ => CallOutcome.Unknown,
        };
        await journal.RecordAsync(new StepCall(step, action, result, outcome.Attempts, startedAt, clock.GetUtcNow(), outcome.Detail));
        return outcome;
    }
}
