using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SagaDemo.Contracts;
using SagaDemo.Hosting;
using SagaDemo.Saga;
using SagaDemo.Tests.Infrastructure;

namespace SagaDemo.Tests;

public sealed class OrchestratorTests : IDisposable
{
    private readonly SagaSystem system = new();

    public void Dispose() => system.Dispose();

    [Fact]
    public async Task PlaceOrder_AllParticipantsAgree_Answers201ConfirmedWithLocationAndSteps()
    {
        var response = await system.PlaceAsync(SagaSystem.NewOrder("demo-1"));

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        response.Headers.Location!.ToString().Should().Be("/orders/demo-1");
        var order = await response.ReadAsync<OrderView>();
        order.Status.Should().Be(SagaStatus.Confirmed);
        order.Failure.Should().BeNull();
        order.Steps.Should().Equal("payment reserved", "inventory reserved", "delivery reserved");
        order.History.Should().HaveCount(3).And.OnlyContain(c => c.Action == SagaAction.Reserve && c.Outcome == CallOutcome.Succeeded && c.Attempts == 1);
        system.Calls.Posts.Should().Equal("POST /payment/reserve", "POST /inventory/reserve", "POST /delivery/reserve");
    }

    [Fact]
    public async Task GetOrder_AfterSuccess_ShowsEveryParticipantReserved()
    {
        await system.PlaceAsync(SagaSystem.NewOrder("demo-1"));

        var order = await system.Client.GetFromJsonAsync<OrderView>("/orders/demo-1", SagaJson.Options);

        order!.Status.Should().Be(SagaStatus.Confirmed);
        order.Participants.Should().Equal(new Dictionary<string, ParticipantState>
        {
            ["payment"] = ParticipantState.Reserved,
            ["inventory"] = ParticipantState.Reserved,
            ["delivery"] = ParticipantState.Reserved,
        });
    }

    /// <summary>One forced failure: which step says no, and everything a client then sees.</summary>
    public sealed record ForcedFailure(string Failing, string Detail, string[] Steps, string[] Calls, string[] Participants)
    {
        public override string ToString() => $"{Failing} fails";
    }

    public static TheoryData<ForcedFailure> ForcedFailures => new(
        new ForcedFailure("payment", "Payment reservation failed: Payment gateway rejected transaction",
            Steps: ["payment failed"],
            Calls: ["POST /payment/reserve"],
            Participants: ["rejected", "none", "none"]),
        new ForcedFailure("inventory", "Inventory reservation failed: Stock reservation failed",
            Steps: ["payment reserved", "inventory failed", "payment cancelled"],
            Calls: ["POST /payment/reserve", "POST /inventory/reserve", "POST /payment/cancel"],
            Participants: ["cancelled", "rejected", "none"]),
        new ForcedFailure("delivery", "Delivery reservation failed: Delivery slot unavailable",
            Steps: ["payment reserved", "inventory reserved", "delivery failed", "inventory cancelled", "payment cancelled"],
            Calls: ["POST /payment/reserve", "POST /inventory/reserve", "POST /delivery/reserve", "POST /inventory/cancel", "POST /payment/cancel"],
            Participants: ["cancelled", "cancelled", "rejected"]));

    [Theory]
    [MemberData(nameof(ForcedFailures))]
    public async Task PlaceOrder_ForcedFailure_CompensatesExactlyTheCompletedStepsInReverse(ForcedFailure failure)
    {
        var (failing, detail, steps, calls, participants) = failure;
        var request = SagaSystem.NewOrder() with
        {
            ForcePaymentFailure = failing == "payment",
            ForceInventoryFailure = failing == "inventory",
            ForceDeliveryFailure = failing == "delivery",
        };

        var response = await system.PlaceAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Conflict);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var problem = await response.ReadJsonAsync();
        problem["detail"]!.GetValue<string>().Should().Be(detail);
        var order = Json.Deserialize<OrderView>(problem["order"]!);
        order.Status.Should().Be(SagaStatus.Cancelled);
        order.Failure.Should().Be(detail);
        order.Steps.Should().Equal(steps);
        system.Calls.Posts.Should().Equal(calls);

        var stored = await system.Client.GetFromJsonAsync<OrderView>($"/orders/{request.OrderId}", SagaJson.Options);
        stored!.Participants!.Values.Select(s => s.ToString().ToLowerInvariant()).Should().Equal(participants);
    }

    [Fact]
    public async Task GetOrder_AParticipantAnsweringInAnUnknownCharset_IsShownUnavailable_NotA500()
    {
        await system.PlaceAsync(SagaSystem.NewOrder("o-1"));
        system.PaymentLink.Answer("reservations", () => UnreadableJson(HttpStatusCode.OK));

        var response = await system.Client.GetAsync("/orders/o-1");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.ReadAsync<OrderView>()).Participants.Should().Equal(new Dictionary<string, ParticipantState>
        {
            ["payment"] = ParticipantState.Unavailable,
            ["inventory"] = ParticipantState.Reserved,
            ["delivery"] = ParticipantState.Reserved,
        });
    }

    [Fact]
    public async Task PlaceOrder_ARefusalInAnUnknownCharset_IsAnUnknownOutcome_AndIsUndone()
    {
        system.InventoryLink.Answer("reserve", () => UnreadableJson(HttpStatusCode.Conflict));

        var response = await system.PlaceAsync(SagaSystem.NewOrder("o-1"));

        response.StatusCode.Should().Be(HttpStatusCode.BadGateway);
        var order = Json.Deserialize<OrderView>((await response.ReadJsonAsync())["order"]!);
        order.Steps.Should().Equal("payment reserved", "inventory unknown", "inventory cancelled", "payment cancelled");
        order.Failure.Should().Contain("inventory answered 409 with a body that cannot be read");
    }

    private static HttpResponseMessage UnreadableJson(HttpStatusCode status) => new(status)
    {
        Content = new StringContent("{}", new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "klingon" }),
    };

    [Fact]
    public async Task PlaceOrder_AmountOverThePaymentLimit_IsABusinessRejectionLikeAForcedOne()
    {
        var response = await system.PlaceAsync(SagaSystem.NewOrder() with { Amount = 12000m });

        response.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await response.ReadJsonAsync())["detail"]!.GetValue<string>()
            .Should().Be("Payment reservation failed: Payment declined: amount 12000.00 exceeds the limit of 10000.00");
    }

    [Fact]
    public async Task PlaceOrder_Participant503TwiceThen200_IsRetriedAndConfirmed()
    {
        system.InventoryLink.Answer("reserve", HttpStatusCode.ServiceUnavailable, times: 2);

        var response = await system.PlaceAsync(SagaSystem.NewOrder());

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        var order = await response.ReadAsync<OrderView>();
        order.History.Single(c => c.Step == "inventory").Attempts.Should().Be(3);
        system.Calls.Posts.Count(c => c == "POST /inventory/reserve").Should().Be(3);
    }

    [Fact]
    public async Task PlaceOrder_Participant400_IsNotRetried()
    {
        system.InventoryLink.Answer("reserve", HttpStatusCode.BadRequest, times: 1);

        var response = await system.PlaceAsync(SagaSystem.NewOrder());

        response.StatusCode.Should().Be(HttpStatusCode.Conflict);
        system.Calls.Posts.Should().Equal("POST /payment/reserve", "POST /inventory/reserve", "POST /payment/cancel");
    }

    [Fact]
    public async Task PlaceOrder_UnreachableParticipant_CompensatesItAndTheCompletedStepsAndAnswers502()
    {
        system.DeliveryLink.Refuse("reserve");

        var response = await system.PlaceAsync(SagaSystem.NewOrder());

        response.StatusCode.Should().Be(HttpStatusCode.BadGateway);
        var problem = await response.ReadJsonAsync();
        problem["detail"]!.GetValue<string>().Should().StartWith("Delivery reservation failed: delivery is unreachable after 4 attempt(s)");
        var order = Json.Deserialize<OrderView>(problem["order"]!);
        order.Status.Should().Be(SagaStatus.Cancelled);
        order.Steps.Should().Equal("payment reserved", "inventory reserved", "delivery unknown", "delivery cancelled", "inventory cancelled", "payment cancelled");
        order.History.Single(c => c.Action == SagaAction.Reserve && c.Step == "delivery").Should()
            .Match<StepCall>(c => c.Outcome == CallOutcome.Unknown && c.Attempts == 4);
    }

    [Fact]
    public async Task PlaceOrder_ParticipantFaultText_IsNeverCopiedIntoThePublicAnswerOrTheHistory()
    {
        const string Internals = "Npgsql.PostgresException 53300: too many connections for host db-7.internal, see /var/lib/postgresql/data";
        system.InventoryLink.Answer("reserve", () => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
        {
            Content = new StringContent($$$"""{"title":"Store unavailable","status":503,"detail":"{{{Internals}}}"}""", System.Text.Encoding.UTF8, "application/problem+json"),
        });

        var response = await system.PlaceAsync(SagaSystem.NewOrder("internals-1"));
        var view = await system.Client.GetStringAsync("/orders/internals-1");

        response.StatusCode.Should().Be(HttpStatusCode.BadGateway);
        (await response.Content.ReadAsStringAsync()).Should().NotContain("Npgsql").And.NotContain("db-7").And.Contain("inventory answered 503");
        view.Should().NotContain("Npgsql").And.NotContain("db-7").And.NotContain("/var/lib");
    }

    [Fact]
    public async Task PlaceOrder_ParticipantRedirects_IsNotFollowedAndTheStepIsUnknownAndCompensated()
    {
        system.InventoryLink.Answer("reserve", HttpStatusCode.TemporaryRedirect, times: 1);

        var response = await system.PlaceAsync(SagaSystem.NewOrder());

        response.StatusCode.Should().Be(HttpStatusCode.BadGateway);
        var order = Json.Deserialize<OrderView>((await response.ReadJsonAsync())["order"]!);
        order.Steps.Should().Equal("payment reserved", "inventory unknown", "inventory cancelled", "payment cancelled");
        system.Calls.Posts.Should().Equal("POST /payment/reserve", "POST /inventory/reserve", "POST /inventory/cancel", "POST /payment/cancel");
    }

    [Fact]
    public async Task PlaceOrder_ParticipantTooSlow_CompensatesAndAnswers504()
    {
        using var slow = new SagaSystem(orchestratorSettings: new Dictionary<string, string?>
        {
            ["Resilience:PerTryTimeout"] = "00:00:00.050",
            ["Resilience:RetryCount"] = "1",
        });
        slow.PaymentLink.Hang("reserve");

        var response = await slow.PlaceAsync(SagaSystem.NewOrder());

        response.StatusCode.Should().Be(HttpStatusCode.GatewayTimeout);
        var order = Json.Deserialize<OrderView>((await response.ReadJsonAsync())["order"]!);
        order.Steps.Should().Equal("payment unknown", "payment cancelled");
        order.Status.Should().Be(SagaStatus.Cancelled);
    }

    [Fact]
    public async Task PlaceOrder_CompensationThatKeepsFailing_LeavesTheOrderCompensatingAndSaysWhy()
    {
        system.PaymentLink.Refuse("cancel");

        var response = await system.PlaceAsync(SagaSystem.NewOrder() with { ForceInventoryFailure = true });

        response.StatusCode.Should().Be(HttpStatusCode.Conflict);
        var order = Json.Deserialize<OrderView>((await response.ReadJsonAsync())["order"]!);
        order.Status.Should().Be(SagaStatus.Compensating);
        order.Steps.Should().Equal("payment reserved", "inventory failed", "payment cancel failed");
        order.History.Count(c => c.Action == SagaAction.Cancel).Should().Be(5, "the default is five compensation attempts");
        var listed = await system.Client.GetFromJsonAsync<OrderView[]>("/orders?status=compensating", SagaJson.Options);
        listed!.Select(o => o.OrderId).Should().Equal(order.OrderId);
    }

    [Fact]
    public async Task PlaceOrder_Replayed_AnswersTheSameStatusAndBodyWithoutCallingAnyParticipant()
    {
        var request = SagaSystem.NewOrder() with { ForceDeliveryFailure = true };
        var first = await system.PlaceAsync(request);
        var callsAfterFirst = system.Calls.Posts.Count;

        var second = await system.PlaceAsync(request);

        second.StatusCode.Should().Be(first.StatusCode);
        var firstBody = await first.ReadJsonAsync();
        var secondBody = await second.ReadJsonAsync();
        firstBody.Remove("trace_id");
        secondBody.Remove("trace_id");
        JsonNode.DeepEquals(firstBody, secondBody).Should().BeTrue();
        system.Calls.Posts.Count.Should().Be(callsAfterFirst);
    }

    [Fact]
    public async Task PlaceOrder_SameIdWithADifferentBody_Is422AndChangesNothing()
    {
        var request = SagaSystem.NewOrder();
        await system.PlaceAsync(request);

        var response = await system.PlaceAsync(request with { Quantity = 2 });

        response.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var stored = await system.Client.GetFromJsonAsync<OrderView>($"/orders/{request.OrderId}", SagaJson.Options);
        stored!.Quantity.Should().Be(1);
    }

    [Fact]
    public async Task PlaceOrder_ConcurrentRequestsForOneId_RunOneSaga()
    {
        var request = SagaSystem.NewOrder();

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => system.PlaceAsync(request)));

        responses.Should().OnlyContain(r => r.StatusCode == HttpStatusCode.Created);
        system.Calls.Posts.Should().Equal("POST /payment/reserve", "POST /inventory/reserve", "POST /delivery/reserve");
    }

    /// <summary>A request body with one field wrong (or missing), and the field the 400 must name.</summary>
    public sealed record InvalidField(string Why, string Field, string Json)
    {
        public override string ToString() => Why;
    }

    private static string Body(string orderId = "\"o-1\"", string amount = "10", string sku = "\"SKU-1\"", string quantity = "1", string? slot = "\"2024-05-20T10:00\"") =>
        $$"""{{{(orderId == "" ? "" : $"\"order_id\":{orderId},")}}"amount":{{amount}},"sku":{{sku}},"quantity":{{quantity}}{{(slot is null ? "" : $",\"slot\":{slot}")}}}""";

    public static TheoryData<InvalidField> InvalidFields => new(
        new InvalidField("no order_id", "order_id", Body(orderId: "")),
        new InvalidField("an order_id of 65 characters", "order_id", Body(orderId: $"\"{new string('x', 65)}\"")),
        new InvalidField("a space in the order_id", "order_id", Body(orderId: "\"o 1\"")),
        new InvalidField("a negative amount", "amount", Body(amount: "-1")),
        new InvalidField("a zero amount", "amount", Body(amount: "0")),
        new InvalidField("three decimals", "amount", Body(amount: "1.001")),
        new InvalidField("an amount in words", "amount", Body(amount: "\"ten\"")),
        new InvalidField("an empty sku", "sku", Body(sku: "\"\"")),
        new InvalidField("a NUL character in the sku", "sku", Body(sku: "\"SKU\\u00001\"")),
        new InvalidField("a zero-width space in the sku", "sku", Body(sku: "\"SKU\\u200B1\"")),
        new InvalidField("a zero quantity", "quantity", Body(quantity: "0")),
        new InvalidField("a quantity over 1000", "quantity", Body(quantity: "1001")),
        new InvalidField("a slot that is not ISO-8601", "slot", Body(slot: "\"20/05/2024 10:00\"")),
        new InvalidField("no slot", "slot", Body(slot: null)));

    [Theory]
    [MemberData(nameof(InvalidFields))]
    public async Task PlaceOrder_InvalidField_Answers400NamingItAndCallsNoParticipant(InvalidField invalid)
    {
        var (_, field, json) = invalid;

        var response = await system.Client.PostAsync("/orders", Json.Body(json));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var problem = await response.ReadJsonAsync();
        problem["errors"]!.AsObject().Select(e => e.Key).Should().Equal(field);
        problem["detail"]!.GetValue<string>().Should().Contain(field);
        system.Calls.Posts.Should().BeEmpty();
        (await system.Client.GetFromJsonAsync<OrderView[]>("/orders", SagaJson.Options)).Should().BeEmpty();
    }

    [Theory]
    [InlineData("""{"order_id":"o-1","amount":10,""")]
    [InlineData("not json")]
    [InlineData("")]
    public async Task PlaceOrder_MalformedJson_Answers400ProblemAndCallsNoParticipant(string body)
    {
        var response = await system.Client.PostAsync("/orders", Json.Body(body));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await response.ReadJsonAsync())["detail"]!.GetValue<string>().Should().NotBeNullOrWhiteSpace();
        system.Calls.Posts.Should().BeEmpty();
    }

    [Fact]
    public async Task GetOrder_UnknownId_Is404OrderNotFound()
    {
        var response = await system.Client.GetAsync("/orders/nobody");

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await response.ReadJsonAsync())["title"]!.GetValue<string>().Should().Be("Order not found");
    }

    [Fact]
    public async Task GetOrder_ParticipantDown_ShowsItUnavailable()
    {
        var request = SagaSystem.NewOrder();
        await system.PlaceAsync(request);
        system.DeliveryLink.Refuse("reservations");

        var order = await system.Client.GetFromJsonAsync<OrderView>($"/orders/{request.OrderId}", SagaJson.Options);

        order!.Participants!["delivery"].Should().Be(ParticipantState.Unavailable);
        order.Participants["payment"].Should().Be(ParticipantState.Reserved);
    }

    [Fact]
    public async Task ListOrders_NewestFirstFilteredByStatusAndLimited()
    {
        await system.PlaceAsync(SagaSystem.NewOrder("a"));
        await system.PlaceAsync(SagaSystem.NewOrder("b") with { ForcePaymentFailure = true });
        await system.PlaceAsync(SagaSystem.NewOrder("c"));

        var confirmed = await system.Client.GetFromJsonAsync<OrderView[]>("/orders?status=confirmed", SagaJson.Options);
        var latest = await system.Client.GetFromJsonAsync<OrderView[]>("/orders?limit=1", SagaJson.Options);

        confirmed!.Select(o => o.OrderId).Should().Equal("c", "a");
        latest!.Select(o => o.OrderId).Should().Equal("c");
        (await system.Client.GetAsync("/orders?limit=501")).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await system.Client.GetAsync("/orders?status=lost")).StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }
}
