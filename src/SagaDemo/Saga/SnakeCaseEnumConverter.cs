using System.Text.Json;
using System.Text.Json.Serialization;

namespace SagaDemo.Saga;

/// <summary>
/// An enum on the wire: its lower snake_case name ("compensation_failed"); numbers are refused.
/// Named on each enum type ([JsonConverter]), so every serializer of the contracts agrees.
/// </summary>
public sealed class SnakeCaseEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false)
    where TEnum : struct, Enum;
