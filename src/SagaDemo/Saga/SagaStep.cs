namespace SagaDemo.Saga;

/// <summary>One step of a saga: its name, the reserve, and the cancel that undoes it (its compensation).</summary>
public sealed record SagaStep<TData>(
    string Name,
    Func<TData, CancellationToken, Task<StepOutcome>> Reserve,
    Func<TData, CancellationToken, Task<StepOutcome>> Cancel);
