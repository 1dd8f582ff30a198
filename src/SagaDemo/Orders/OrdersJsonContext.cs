using System.Text.Json;
using System.Text.Json.Serialization;

namespace SagaDemo.Orders;

/// <summary>
/// Serializers generated at compile time for the orchestrator's own types: the stored order (its
/// saga log, one JSON document per row) and the reconciler's answers. Same dialect as the contracts
/// (Hosting/SagaJsonContext): snake_case, enums by the converter each names on its type.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(Order), TypeInfoPropertyName = "Order")]
[JsonSerializable(typeof(ReconcileStatus))]
[JsonSerializable(typeof(ReconcilePass))]
public sealed partial class OrdersJsonContext : JsonSerializerContext;
