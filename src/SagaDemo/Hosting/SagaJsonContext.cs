using System.Text.Json;
using System.Text.Json.Serialization;
using SagaDemo.Contracts;
using SagaDemo.Saga;

namespace SagaDemo.Hosting;

/// <summary>
/// Serializers generated at compile time for the API's own types: the order request, the views, a
/// cancel (the orchestrator's own types: OrdersJsonContext). A participant's reserve body is not
/// listed: it is read and written by reflection (<see cref="SagaJson"/>), so a new participant
/// needs nothing here; generated code for the three bodies measured no faster (bench/README.md).
/// Enums name their converter on their type (<see cref="SnakeCaseEnumConverter{TEnum}"/>): a
/// converter in the options would turn the generated fast path off.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(OrderRequest))]
[JsonSerializable(typeof(OrderView))]
[JsonSerializable(typeof(IReadOnlyList<OrderView>))]
[JsonSerializable(typeof(CancelRequest))]
[JsonSerializable(typeof(ReservationView))]
[JsonSerializable(typeof(ReservationPage))]
public sealed partial class SagaJsonContext : JsonSerializerContext;
