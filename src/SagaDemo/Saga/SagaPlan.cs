namespace SagaDemo.Saga;

/// <summary>The next thing to do for a saga, as <see cref="SagaPlanner"/> decides it.</summary>
public abstract record SagaPlan
{
    private SagaPlan()
    {
    }

    /// <summary>Call the step's reserve.</summary>
    public sealed record Reserve(string Step) : SagaPlan;

    /// <summary>Call the step's cancel (its compensation), not before the given time.</summary>
    public sealed record Cancel(string Step, DateTimeOffset NotBefore) : SagaPlan;

    /// <summary>A reserve did not succeed (or the saga was interrupted): undo what was done. Status compensating.</summary>
    public sealed record Compensate(string FailedStep) : SagaPlan;

    /// <summary>Every reserve succeeded. Status confirmed.</summary>
    public sealed record Confirm : SagaPlan;

    /// <summary>Everything done is undone. Status cancelled.</summary>
    public sealed record FinishCancelled : SagaPlan;

    /// <summary>Some compensations are still owed after this round: try again from the given time.</summary>
    public sealed record WaitUntil(IReadOnlyList<string> Owed, DateTimeOffset At) : SagaPlan;

    /// <summary>The compensation budget is spent with compensations still owed. Status compensation_failed.</summary>
    public sealed record HandToOperator(IReadOnlyList<string> Owed, DateTimeOffset NextAttemptAt) : SagaPlan;

    /// <summary>Nothing to do: the saga has ended (or waits for an operator).</summary>
    public sealed record Stop : SagaPlan;
}
