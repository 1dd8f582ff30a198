using SagaDemo.Contracts;

namespace SagaDemo.Sagas;

/// <summary>
/// Where the runner reports progress, so that the owner of the saga can keep (and persist) it.
/// Each call is reported twice, write-ahead: its intent before it is made, its outcome after.
/// </summary>
public interface ISagaJournal
{
    Task CallStartingAsync(StepCall intent);

    Task RecordAsync(StepCall call);

    Task CompensatingAsync(string failedStep, StepOutcome failure);
}
