namespace SagaDemo.Saga;

/// <summary>
/// How hard a saga tries to undo what it did: tries of one compensation within a round, with a
/// capped exponential backoff between them; rounds, further and further apart, until an operator
/// must look.
/// </summary>
public sealed record SagaBudgets(
    int CompensationAttempts,
    TimeSpan CompensationBaseDelay,
    TimeSpan CompensationMaxDelay,
    int MaxCompensationRounds,
    TimeSpan RoundBaseDelay,
    TimeSpan RoundMaxDelay);
