using System.Text.Json.Serialization;
using SagaDemo.Saga;

namespace SagaDemo.Contracts;

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

/// <summary>
/// An order as the API shows it: the request, where the saga got to, and every call it made; the
/// trace its saga started in, when traces are recorded (OpenTelemetry, see the README).
/// </summary>
public sealed record OrderView(
    string OrderId,
    SagaStatus Status,
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
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, ParticipantState>? Participants = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? TraceId = null);
