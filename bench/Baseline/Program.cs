// A bare orchestrator and bare participants, for the benchmark only: each POST /orders makes three
// sequential HttpClient calls to three echo participants and answers 201. No validation, no store,
// no retries, no logging. BASELINE_ROLE=orchestrator (with PAYMENT_URL, INVENTORY_URL, DELIVERY_URL)
// or BASELINE_ROLE=payment|inventory|delivery.
using System.Net.Http.Headers;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var role = builder.Configuration["BASELINE_ROLE"] ?? throw new InvalidOperationException("BASELINE_ROLE is not set");

if (role == "orchestrator")
{
    builder.Services.AddHttpClient("participants");
}

var app = builder.Build();
app.MapGet("/health", () => Results.Text("{\"status\":\"ok\"}", "application/json"));

if (role == "orchestrator")
{
    string[] steps =
    [
        $"{app.Configuration["PAYMENT_URL"]}/payment/reserve",
        $"{app.Configuration["INVENTORY_URL"]}/inventory/reserve",
        $"{app.Configuration["DELIVERY_URL"]}/delivery/reserve",
    ];
    var factory = app.Services.GetRequiredService<IHttpClientFactory>();
    app.MapPost("/orders", async (HttpRequest request) =>
    {
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync();
        var http = factory.CreateClient("participants");
        foreach (var step in steps)
        {
            using var content = new StringContent(body, new MediaTypeHeaderValue("application/json"));
            using var response = await http.PostAsync(step, content);
            response.EnsureSuccessStatusCode();
        }
        return Results.Text(body, "application/json", statusCode: StatusCodes.Status201Created);
    });
}
else
{
    app.MapPost($"/{role}/reserve", async (HttpRequest request) =>
    {
        using var reader = new StreamReader(request.Body);
        await reader.ReadToEndAsync();
        return Results.Text("{\"status\":\"reserved\"}", "application/json");
    });
}

app.Run();
