using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace SagaDemo.Hosting;

/// <summary>
/// One JSON dialect for the endpoints, the typed clients, the stores and Swagger: snake_case, and
/// enums as snake_case strings through the converter each enum names on its type.
/// </summary>
public static class SagaJson
{
    public static JsonSerializerOptions Options { get; } = CreateReadOnly();

    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.NumberHandling = JsonNumberHandling.Strict;
        // The generated serializers first; anything else (problem details, health) by reflection.
        options.TypeInfoResolverChain.Insert(0, SagaJsonContext.Default);
        if (!options.TypeInfoResolverChain.OfType<DefaultJsonTypeInfoResolver>().Any())
        {
            options.TypeInfoResolverChain.Add(new DefaultJsonTypeInfoResolver());
        }
    }

    private static JsonSerializerOptions CreateReadOnly()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Configure(options);
        options.MakeReadOnly();
        return options;
    }
}
