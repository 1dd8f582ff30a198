namespace SagaDemo.Saga;

/// <summary>
/// A saga, declared: its name ("order"), how its data names the saga (the id), and its steps in
/// execution order (undone in the reverse order). The telemetry tags a saga's id as
/// <c>saga.{name}_id</c> (<c>saga.order_id</c>).
/// </summary>
public sealed class SagaDefinition<TData>
{
    public SagaDefinition(string name, Func<TData, string> idOf, IReadOnlyList<SagaStep<TData>> steps)
    {
        Name = name;
        IdOf = idOf;
        IdTag = $"saga.{name}_id";
        Steps = steps;
        StepNames = steps.Select(step => step.Name).ToList();
        if (StepNames.Distinct(StringComparer.Ordinal).Count() != StepNames.Count)
        {
            throw new ArgumentException($"A saga's steps need distinct names: {string.Join(", ", StepNames)}.", nameof(steps));
        }
    }

    public string Name { get; }

    public Func<TData, string> IdOf { get; }

    public string IdTag { get; }

    public IReadOnlyList<SagaStep<TData>> Steps { get; }

    public IReadOnlyList<string> StepNames { get; }

    public SagaStep<TData> Step(string name) => Steps.First(step => step.Name == name);
}
