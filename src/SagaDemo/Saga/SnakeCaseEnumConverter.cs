using System.Text.Json;
using System.Text.Json.Serialization;

namespace SagaDemo.Saga;

/// <summary>
/// An enum on the wire: its lower snake_case name ("compensation_failed"); numbers are refused.
/// Named on each enum type ([JsonConverter]), so every serializer of the contracts agrees.
/// </summary>
public sealed class SnakeCaseEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false)
    where TEnum : struct, Enum;

/// <summary>
/// Every value's wire name ("compensation_failed"), made once by the naming policy the converter
/// above uses, so the stores, the logs and the telemetry spell a value as the JSON does without
/// converting it on every write.
/// </summary>
public static class WireName<TEnum>
    where TEnum : struct, Enum
{
    private static readonly Dictionary<TEnum, string> Names =
        Enum.GetValues<TEnum>().ToDictionary(value => value, value => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString()));

    public static string Of(TEnum value) => Names[value];

    public static IEnumerable<string> All => Names.Values;
}
