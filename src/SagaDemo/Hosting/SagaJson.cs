using System.Text.Json;
using System.Text.Json.Serialization;

namespace SagaDemo.Hosting;

/// <summary>One JSON dialect for the endpoints and the typed clients: snake_case, lower-case enums.</summary>
public static class SagaJson
{
    public static JsonSerializerOptions Options { get; } = CreateReadOnly();

    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
    }

    private static JsonSerializerOptions CreateReadOnly()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Configure(options);
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
