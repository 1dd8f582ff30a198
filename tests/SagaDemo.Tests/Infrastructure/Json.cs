using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using SagaDemo.Hosting;

namespace SagaDemo.Tests.Infrastructure;

public static class Json
{
    /// <summary>Reads a body as the API's own snake_case JSON.</summary>
    public static async Task<T> ReadAsync<T>(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<T>(SagaJson.Options))!;

    /// <summary>Reads a body as raw JSON, to assert on the wire names themselves.</summary>
    public static async Task<JsonObject> ReadJsonAsync(this HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    public static StringContent Body(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    public static T Deserialize<T>(JsonNode node) => node.Deserialize<T>(SagaJson.Options)!;
}
