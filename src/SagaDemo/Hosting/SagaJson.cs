using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace SagaDemo.Hosting;

/// <summary>One JSON dialect for the endpoints and the typed clients: snake_case, lower-case enums.</summary>
public static class SagaJson
{
    public static JsonSerializerOptions Options { get; } = CreateReadOnly(Configure);

    /// <summary>
    /// The same dialect for describing it (Swagger): the enum converters sit in the options, where
    /// schema generators look for them. Not for serializing: see <see cref="SagaJsonContext"/>.
    /// </summary>
    public static JsonSerializerOptions Described { get; } = CreateReadOnly(options =>
    {
        Configure(options);
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
    });

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

    private static JsonSerializerOptions CreateReadOnly(Action<JsonSerializerOptions> configure)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        configure(options);
        options.MakeReadOnly();
        return options;
    }
}
