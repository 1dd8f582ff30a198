namespace SagaDemo.Sagas;

/// <summary>How a saga ended: every step done, or the step that failed and the compensations still owed.</summary>
public sealed record SagaResult(string? FailedStep, StepOutcome? Failure, IReadOnlyList<string> CompensationsOwed)
{
    public static SagaResult Completed { get; } = new(null, null, []);

    public bool Succeeded => FailedStep is null;
}
