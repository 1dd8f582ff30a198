namespace SagaDemo.Saga;

/// <summary>Who drives a saga (this orchestrator's name) and how long each write keeps it ours.</summary>
public sealed record SagaLease(string Owner, TimeSpan Duration);
