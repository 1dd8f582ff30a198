using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SagaDemo.Hosting;
using SagaDemo.Tests.Infrastructure;

namespace SagaDemo.Tests;

/// <summary>What every role serves to be seen: /metrics; and the orchestrator's dashboard. (On real processes: tests/observe.)</summary>
public sealed class ObservabilityTests
{
    [Theory]
    [InlineData(ServiceRole.Order)]
    [InlineData(ServiceRole.Payment)]
    [InlineData(ServiceRole.Inventory)]
    [InlineData(ServiceRole.Delivery)]
    public async Task Metrics_AreServedInThePrometheusTextFormat_OnEveryRole(ServiceRole role)
    {
        using var factory = new SagaFactory(role);

        var response = await factory.CreateClient().GetAsync("/metrics");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/plain");
        var text = await response.Content.ReadAsStringAsync();
        text.Should().Contain($"service_name=\"saga-demo-{role.RouteName()}\"", "the default service name");
        text.Should().Contain("dotnet_process_memory_working_set_bytes{").And.Contain("dotnet_thread_pool_thread_count_total{",
            "the runtime's own meter tells an operator (and the fault matrix's overload cell) how much memory and how many threads a role uses");
    }

    [Fact]
    public async Task Dashboard_IsOnePageWhoseScriptsAndStylesAreServedFromHere()
    {
        using var factory = new SagaFactory(ServiceRole.Order);
        var client = factory.CreateClient();

        var page = await client.GetAsync("/dashboard");

        page.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
        var html = await page.Content.ReadAsStringAsync();
        html.Should().Contain("<title>SagaDemo").And.NotContain("http://").And.NotContain("https://", "nothing is fetched from elsewhere");
        foreach (var asset in new[] { "/dashboard/dashboard.js", "/dashboard/dashboard.css" })
        {
            html.Should().Contain(asset);
            (await client.GetAsync(asset)).StatusCode.Should().Be(HttpStatusCode.OK, asset);
        }
    }

    [Fact]
    public async Task DashboardCounts_NameEveryStatus_AndCountTheOrders()
    {
        using var system = new SagaSystem();
        var client = system.Client;
        (await client.PostAsJsonAsync("/orders", SagaSystem.NewOrder("counted-1") with { ForcePaymentFailure = true }, SagaJson.Options))
            .StatusCode.Should().Be(HttpStatusCode.Conflict);

        var counts = JsonNode.Parse(await client.GetStringAsync("/dashboard/counts"))!.AsObject();

        counts.Select(c => c.Key).Should().BeEquivalentTo(["pending", "confirmed", "compensating", "cancelled", "compensation_failed"]);
        counts["cancelled"]!.GetValue<long>().Should().Be(1);
        counts["confirmed"]!.GetValue<long>().Should().Be(0);
    }

    [Fact]
    public async Task WithNoOtlpEndpoint_NoTraceIsRecorded()
    {
        using var system = new SagaSystem();
        var client = system.Client;
        (await client.PostAsJsonAsync("/orders", SagaSystem.NewOrder("untraced-1") with { ForcePaymentFailure = true }, SagaJson.Options))
            .StatusCode.Should().Be(HttpStatusCode.Conflict);

        var order = JsonNode.Parse(await client.GetStringAsync("/orders/untraced-1"))!.AsObject();

        order.ContainsKey("trace_id").Should().BeFalse();
        order["status"]!.GetValue<string>().Should().Be("cancelled");
    }
}
