using System.Text.Json.Serialization;

namespace SagaDemo.Contracts;

public enum OrderStatus
{
    Pending,
    Confirmed,
    Compensating,
    Cancelled,
}

/// <summary>A participant's record of an order as GET /orders/{id} reports it.</summary>
public enum ParticipantState
{
    None,
    Reserved,
    Cancelled,
    Rejected,
    Unavailable,
}

public enum SagaAction
{
    Reserve,
    Cancel,
}

public enum CallOutcome
{
    Succeeded,
    Failed,
    Unknown,
}

/// <summary>One call the orchestrator made to a participant, as it appears in an order's history.</summary>
public sealed record StepCall(
    string Step,
    SagaAction Action,
    CallOutcome Outcome,
    int Attempts,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    string? Detail);

/// <summary>An order as the API shows it: the request, where the saga got to, and every call it made.</summary>
public sealed record OrderView(
    string OrderId,
    OrderStatus Status,
    decimal Amount,
    string Sku,
    int Quantity,
    string Slot,
    bool ForcePaymentFailure,
    bool ForceInventoryFailure,
    bool ForceDeliveryFailure,
    string? Failure,
    IReadOnlyList<string> Steps,
    IReadOnlyList<StepCall> History,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, ParticipantState>? Participants = null);
