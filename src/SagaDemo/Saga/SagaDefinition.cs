namespace SagaDemo.Saga;

/// <summary>A saga, declared: its steps in execution order (undone in the reverse order).</summary>
public sealed class SagaDefinition<TData>
{
    public SagaDefinition(IReadOnlyList<SagaStep<TData>> steps)
    {
        Steps = steps;
        StepNames = steps.Select(step => step.Name).ToList();
        if (StepNames.Distinct(StringComparer.Ordinal).Count() != StepNames.Count)
        {
            throw new ArgumentException($"A saga's steps need distinct names: {string.Join(", ", StepNames)}.", nameof(steps));
        }
    }

    public IReadOnlyList<SagaStep<TData>> Steps { get; }

    public IReadOnlyList<string> StepNames { get; }

    public SagaStep<TData> Step(string name) => Steps.First(step => step.Name == name);
}
