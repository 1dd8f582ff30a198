using SagaDemo.Contracts;

namespace SagaDemo.Sagas;

/// <summary>Where the runner reports progress, so that the owner of the saga can keep (and persist) it.</summary>
public interface ISagaJournal
{
    Task RecordAsync(StepCall call);

    Task CompensatingAsync(string failedStep, StepOutcome failure);
}
