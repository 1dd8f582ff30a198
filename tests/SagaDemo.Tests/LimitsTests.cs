using System.Net;
using System.Text.Json.Nodes;
using SagaDemo.Contracts;
using SagaDemo.Hosting;
using SagaDemo.Saga;
using SagaDemo.Tests.Infrastructure;

namespace SagaDemo.Tests;

/// <summary>Overload and a participant that stops answering: what is refused, how, and that nothing accepted is lost.</summary>
public sealed class LimitsTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ABrokenParticipant_OpensItsCircuit_ThenOrdersAreNotSentToItAndAnswered503()
    {
        using var system = new SagaSystem(orchestratorSettings: new Dictionary<string, string?>
        {
            ["Resilience:RetryCount"] = "0",
            ["Resilience:BreakerFailures"] = "2",
            ["Resilience:BreakerDuration"] = "00:10:00",
        });
        // Down for every call: its reserve and the cancel that follows it both go unanswered.
        system.InventoryLink.Refuse("reserve").Refuse("cancel");

        var first = await system.PlaceAsync(SagaSystem.NewOrder("breaker-1"));
        var second = await system.PlaceAsync(SagaSystem.NewOrder("breaker-2"));
        var third = await system.PlaceAsync(SagaSystem.NewOrder("breaker-3"));

        first.StatusCode.Should().Be(HttpStatusCode.BadGateway);
        second.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, "the circuit opened after two calls without an answer");
        second.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromMinutes(10));
        third.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        system.Calls.Posts.Count(p => p == "POST /inventory/reserve").Should().Be(1, "only the first order's reserve was sent");
        var order = Json.Deserialize<OrderView>((await third.ReadJsonAsync())["order"]!);
        order.Status.Should().Be(SagaStatus.Cancelled);
        order.Steps.Should().Equal("payment reserved", "inventory not sent", "payment cancelled");
        order.History.Single(c => c.Step == "inventory").Should().Match<StepCall>(c => c.Outcome == CallOutcome.NotSent && c.Attempts == 0);
        (await third.Content.ReadAsStringAsync()).Should().Contain("\"not_sent\"");

        // Reading an order while the circuit is open: inventory's part is "unavailable", never a 500.
        var read = await system.Client.GetAsync("/orders/breaker-1");
        read.StatusCode.Should().Be(HttpStatusCode.OK);
        (await read.ReadJsonAsync())["participants"]!["inventory"]!.GetValue<string>().Should().Be("unavailable");
    }

    [Fact]
    public async Task BeyondMaxInFlight_ANewOrderIs503WithRetryAfter_AndTheRunningOneStillEnds()
    {
        using var system = new SagaSystem(orchestratorSettings: new Dictionary<string, string?>
        {
            ["Saga:MaxInFlight"] = "1",
            ["Resilience:RetryCount"] = "0",
            ["Resilience:PerTryTimeout"] = "00:00:01",
        });
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        system.PaymentLink.Hang("reserve", times: 1, reached);

        var running = system.PlaceAsync(SagaSystem.NewOrder("in-flight-1"));
        await reached.Task.WaitAsync(Deadline);
        var refused = await system.PlaceAsync(SagaSystem.NewOrder("in-flight-2"));

        refused.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        refused.Headers.RetryAfter.Should().NotBeNull();
        (await refused.ReadJsonAsync())["title"]!.GetValue<string>().Should().Be("Too many orders in flight");
        (await running).StatusCode.Should().Be(HttpStatusCode.GatewayTimeout, "the accepted order still ends (its payment timed out)");
        (await system.Client.GetAsync("/orders/in-flight-2")).StatusCode.Should().Be(HttpStatusCode.NotFound, "a refused order was never started");
        (await system.PlaceAsync(SagaSystem.NewOrder("in-flight-3"))).StatusCode.Should().Be(HttpStatusCode.Created, "the place is free again");
    }

    [Fact]
    public async Task PerClientRateLimit_Is429WithRetryAfter_AndOffWhenUnset()
    {
        using var limited = new SagaFactory(ServiceRole.Order, new Dictionary<string, string?>
        {
            ["RateLimiting:PermitsPerSecond"] = "1",
            ["RateLimiting:Burst"] = "2",
        });
        using var unlimited = new SagaFactory(ServiceRole.Order);

        var answers = await SendInvalidOrders(limited.CreateClient(), 10);
        var free = await SendInvalidOrders(unlimited.CreateClient(), 10);

        answers.Take(2).Should().OnlyContain(a => a.StatusCode == HttpStatusCode.BadRequest, "the burst is served");
        var tooMany = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        tooMany.Should().NotBeEmpty();
        tooMany.Should().OnlyContain(a => a.Headers.RetryAfter != null && a.Content.Headers.ContentType!.MediaType == "application/problem+json");
        free.Should().OnlyContain(a => a.StatusCode == HttpStatusCode.BadRequest);
    }

    // Bodies that fail validation: counted by the limiter, and no participant is needed.
    private static async Task<List<HttpResponseMessage>> SendInvalidOrders(HttpClient client, int count)
    {
        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < count; i++)
        {
            answers.Add(await client.PostAsync("/orders", Json.Body("""{"order_id":"x"}""")));
        }
        return answers;
    }
}
