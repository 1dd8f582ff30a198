using System.Text.Json;
using System.Text.Json.Serialization;
using SagaDemo.Contracts;
using SagaDemo.Saga;

namespace SagaDemo.Hosting;

/// <summary>
/// Serializers generated at compile time for every type a saga reads and writes: the requests, the
/// views and the participants' bodies (the orchestrator's own types: OrdersJsonContext). With the options of <see cref="SagaJson"/>
/// they write through generated code (no reflection metadata, no per-property converter lookups).
/// Enums name their converter on their type (<see cref="SnakeCaseEnumConverter{TEnum}"/>): a
/// converter in the options would turn the generated fast path off.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(OrderRequest))]
[JsonSerializable(typeof(OrderView))]
[JsonSerializable(typeof(IReadOnlyList<OrderView>))]
[JsonSerializable(typeof(PaymentReservationRequest))]
[JsonSerializable(typeof(InventoryReservationRequest))]
[JsonSerializable(typeof(DeliveryReservationRequest))]
[JsonSerializable(typeof(CancelRequest))]
[JsonSerializable(typeof(ReservationView))]
[JsonSerializable(typeof(ReservationPage))]
public sealed partial class SagaJsonContext : JsonSerializerContext;
