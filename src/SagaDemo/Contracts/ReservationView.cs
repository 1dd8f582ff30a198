using System.Text.Json.Serialization;
using SagaDemo.Saga;

namespace SagaDemo.Contracts;

[JsonConverter(typeof(SnakeCaseEnumConverter<ReservationStatus>))]
public enum ReservationStatus
{
    Reserved,
    Cancelled,
    Rejected,
}

/// <summary>A participant's record for one order; only the fields of the participant's own role are present.</summary>
public sealed record ReservationView(
    string OrderId,
    ReservationStatus Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? Amount = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Sku = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Quantity = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Slot = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? CreatedAt = null);

/// <summary>One page of a participant's reservations, oldest first; pass <see cref="Next"/> as <c>after</c> for the next page.</summary>
public sealed record ReservationPage(IReadOnlyList<ReservationView> Reservations, string? Next);

public sealed record StockView(string Sku, int Available, int Reserved);

public sealed record SlotView(string Slot, int Capacity, int Booked);

/// <summary>
/// GET /health: healthy or not, and each check's verdict ("healthy", "unhealthy": the details are in
/// the log, not in a public answer; <c>reasons</c> only names a cause that reveals nothing, such as
/// "out of space"); <c>auth</c> says whether this role's guarded endpoints check a token ("token")
/// or accept anyone ("open").
/// </summary>
public sealed record HealthView(
    string Status,
    string Role,
    string Auth,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, string>? Checks = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, string>? Reasons = null);
