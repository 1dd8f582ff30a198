namespace SagaDemo.Sagas;

/// <summary>One step of a saga: its name, the action, and the compensation that undoes it.</summary>
public sealed record SagaStep<TContext>(
    string Name,
    Func<TContext, CancellationToken, Task<StepOutcome>> Execute,
    Func<TContext, CancellationToken, Task<StepOutcome>> Compensate);
