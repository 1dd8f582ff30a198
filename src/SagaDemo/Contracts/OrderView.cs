using System.Text.Json.Serialization;

namespace SagaDemo.Contracts;

[JsonConverter(typeof(SnakeCaseEnumConverter<OrderStatus>))]
public enum OrderStatus
{
    /// <summary>The saga is running (or was interrupted and waits for recovery).</summary>
    Pending,
    Confirmed,

    /// <summary>A step failed and compensations are still owed; recovery keeps retrying them.</summary>
    Compensating,
    Cancelled,

    /// <summary>Compensation ran out of its retry budget: an operator must look (POST /orders/{id}/compensate).</summary>
    CompensationFailed,
}

/// <summary>A participant's record of an order as GET /orders/{id} reports it.</summary>
[JsonConverter(typeof(SnakeCaseEnumConverter<ParticipantState>))]
public enum ParticipantState
{
    None,
    Reserved,
    Cancelled,
    Rejected,
    Unavailable,
}

[JsonConverter(typeof(SnakeCaseEnumConverter<SagaAction>))]
public enum SagaAction
{
    Reserve,
    Cancel,

    /// <summary>The reconciler released a reservation a participant still held for the order after its saga ended.</summary>
    Reconcile,
}

[JsonConverter(typeof(SnakeCaseEnumConverter<CallOutcome>))]
public enum CallOutcome
{
    /// <summary>The intent, written before the call: if the orchestrator stops now, the outcome is unknown.</summary>
    Pending,
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
    DateTimeOffset? FinishedAt,
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
