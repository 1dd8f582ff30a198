using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using SagaDemo.Contracts;
using SagaDemo.Hosting;
using SagaDemo.Tests.Infrastructure;

namespace SagaDemo.Tests;

public sealed class ParticipantTests : IDisposable
{
    private readonly SagaFactory payment = new(ServiceRole.Payment);
    private readonly SagaFactory inventory = new(ServiceRole.Inventory, new Dictionary<string, string?>
    {
        ["Inventory:InitialStock"] = "10",
        ["Inventory:Stock:SKU-SCARCE"] = "2",
    });
    private readonly SagaFactory delivery = new(ServiceRole.Delivery, new Dictionary<string, string?> { ["Delivery:SlotCapacity"] = "2" });

    public void Dispose()
    {
        payment.Dispose();
        inventory.Dispose();
        delivery.Dispose();
    }

    [Fact]
    public async Task Reserve_Payment_SucceedsAndEchoesTheReservedFields()
    {
        var response = await Post(payment, "/payment/reserve", new PaymentReservationRequest("o-1", 12.5m));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await response.ReadJsonAsync();
        body["order_id"]!.GetValue<string>().Should().Be("o-1");
        body["status"]!.GetValue<string>().Should().Be("reserved");
        body["amount"]!.GetValue<decimal>().Should().Be(12.5m);
    }

    [Fact]
    public async Task Reserve_Inventory_HoldsTheStock()
    {
        var response = await Post(inventory, "/inventory/reserve", new InventoryReservationRequest("o-1", "SKU-1", 3));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.ReadAsync<ReservationView>()).Should().BeEquivalentTo(new ReservationView("o-1", ReservationStatus.Reserved, Sku: "SKU-1", Quantity: 3),
            options => options.Excluding(view => view.CreatedAt));
        (await Stock("SKU-1")).Should().Be(new StockView("SKU-1", 7, 3));
    }

    [Fact]
    public async Task Reserve_Delivery_BooksAPlaceInTheSlot()
    {
        var response = await Post(delivery, "/delivery/reserve", new DeliveryReservationRequest("o-1", "2024-05-20T10:00"));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.ReadAsync<ReservationView>()).Slot.Should().Be("2024-05-20T10:00");
        (await Slot("2024-05-20T10:00")).Should().Be(new SlotView("2024-05-20T10:00", 2, 1));
    }

    [Fact]
    public async Task Reserve_Repeated_AnswersTheSameAndTakesNothingTwice()
    {
        var request = new InventoryReservationRequest("o-1", "SKU-1", 4);
        var first = await Post(inventory, "/inventory/reserve", request);
        var second = await Post(inventory, "/inventory/reserve", request);

        second.StatusCode.Should().Be(HttpStatusCode.OK);
        (await second.Content.ReadAsStringAsync()).Should().Be(await first.Content.ReadAsStringAsync());
        (await Stock("SKU-1")).Should().Be(new StockView("SKU-1", 6, 4));
    }

    [Fact]
    public async Task Reserve_SameOrderWithDifferentParameters_ConflictsAndKeepsTheFirst()
    {
        await Post(inventory, "/inventory/reserve", new InventoryReservationRequest("o-1", "SKU-1", 4));

        var response = await Post(inventory, "/inventory/reserve", new InventoryReservationRequest("o-1", "SKU-1", 5));

        response.StatusCode.Should().Be(HttpStatusCode.Conflict);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await response.ReadJsonAsync())["detail"]!.GetValue<string>().Should().Be("Order o-1 already has a reservation with different parameters");
        (await Stock("SKU-1")).Should().Be(new StockView("SKU-1", 6, 4));
    }

    [Theory]
    [InlineData(ServiceRole.Payment, "Payment gateway rejected transaction")]
    [InlineData(ServiceRole.Inventory, "Stock reservation failed")]
    [InlineData(ServiceRole.Delivery, "Delivery slot unavailable")]
    public async Task Reserve_WithForceFail_IsRejectedWithTheOriginalWordingAndRemembered(ServiceRole role, string message)
    {
        var factory = FactoryOf(role);
        object request = role switch
        {
            ServiceRole.Payment => new PaymentReservationRequest("o-1", 10m, ForceFail: true),
            ServiceRole.Inventory => new InventoryReservationRequest("o-1", "SKU-1", 1, ForceFail: true),
            _ => new DeliveryReservationRequest("o-1", "2024-05-20T10:00", ForceFail: true),
        };

        var response = await Post(factory, $"/{role.RouteName()}/reserve", request);

        response.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await response.ReadJsonAsync())["detail"]!.GetValue<string>().Should().Be(message);
        var record = await factory.CreateClient().GetAsync($"/{role.RouteName()}/reservations/o-1");
        (await record.ReadAsync<ReservationView>()).Should().Match<ReservationView>(v => v.Status == ReservationStatus.Rejected && v.Reason == message);
    }

    [Fact]
    public async Task Reserve_PaymentAboveTheLimit_IsDeclinedWithTheAmounts()
    {
        var response = await Post(payment, "/payment/reserve", new PaymentReservationRequest("o-1", 12000m));

        response.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await response.ReadJsonAsync())["detail"]!.GetValue<string>()
            .Should().Be("Payment declined: amount 12000.00 exceeds the limit of 10000.00");
    }

    [Fact]
    public async Task Reserve_MoreThanTheStock_IsRefusedWithTheNumbersAndHoldsNothing()
    {
        await Post(inventory, "/inventory/reserve", new InventoryReservationRequest("o-1", "SKU-SCARCE", 1));

        var response = await Post(inventory, "/inventory/reserve", new InventoryReservationRequest("o-2", "SKU-SCARCE", 5));

        response.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await response.ReadJsonAsync())["detail"]!.GetValue<string>().Should().Be("Insufficient stock for SKU-SCARCE: requested 5, available 1");
        (await Stock("SKU-SCARCE")).Should().Be(new StockView("SKU-SCARCE", 1, 1));
    }

    [Fact]
    public async Task Reserve_InAFullSlot_IsRefused()
    {
        await Post(delivery, "/delivery/reserve", new DeliveryReservationRequest("o-1", "2024-05-20T10:00"));
        await Post(delivery, "/delivery/reserve", new DeliveryReservationRequest("o-2", "2024-05-20T10:00"));

        var response = await Post(delivery, "/delivery/reserve", new DeliveryReservationRequest("o-3", "2024-05-20T10:00"));

        response.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await response.ReadJsonAsync())["detail"]!.GetValue<string>().Should().Be("Delivery slot 2024-05-20T10:00 is full");
    }

    [Fact]
    public async Task Cancel_ReleasesExactlyWhatTheReservationHeld()
    {
        await Post(inventory, "/inventory/reserve", new InventoryReservationRequest("o-1", "SKU-1", 3));
        await Post(inventory, "/inventory/reserve", new InventoryReservationRequest("o-2", "SKU-1", 2));

        var response = await Post(inventory, "/inventory/cancel", new CancelRequest("o-1"));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await response.ReadJsonAsync();
        body["order_id"]!.GetValue<string>().Should().Be("o-1");
        body["status"]!.GetValue<string>().Should().Be("cancelled");
        (await Stock("SKU-1")).Should().Be(new StockView("SKU-1", 8, 2));
    }

    [Fact]
    public async Task Cancel_Repeated_ReleasesOnlyOnce()
    {
        await Post(delivery, "/delivery/reserve", new DeliveryReservationRequest("o-1", "2024-05-20T10:00"));
        await Post(delivery, "/delivery/reserve", new DeliveryReservationRequest("o-2", "2024-05-20T10:00"));

        (await Post(delivery, "/delivery/cancel", new CancelRequest("o-1"))).StatusCode.Should().Be(HttpStatusCode.OK);
        (await Post(delivery, "/delivery/cancel", new CancelRequest("o-1"))).StatusCode.Should().Be(HttpStatusCode.OK);

        (await Slot("2024-05-20T10:00")).Should().Be(new SlotView("2024-05-20T10:00", 2, 1));
    }

    [Fact]
    public async Task Cancel_ForUnknownOrder_SucceedsAndBlocksLateReserve()
    {
        var cancel = await Post(payment, "/payment/cancel", new CancelRequest("late-1"));
        cancel.StatusCode.Should().Be(HttpStatusCode.OK);

        var reserve = await Post(payment, "/payment/reserve", new PaymentReservationRequest("late-1", 10m));

        reserve.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await reserve.ReadJsonAsync())["detail"]!.GetValue<string>().Should().Be("Order late-1 was already cancelled");
        var record = await payment.CreateClient().GetAsync("/payment/reservations/late-1");
        (await record.ReadAsync<ReservationView>()).Status.Should().Be(ReservationStatus.Cancelled);
    }

    [Fact]
    public async Task Reserve_AfterCancel_IsRefusedAndTakesNothing()
    {
        var request = new InventoryReservationRequest("o-1", "SKU-1", 3);
        await Post(inventory, "/inventory/reserve", request);
        await Post(inventory, "/inventory/cancel", new CancelRequest("o-1"));

        var again = await Post(inventory, "/inventory/reserve", request);

        again.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await Stock("SKU-1")).Should().Be(new StockView("SKU-1", 10, 0));
    }

    [Theory]
    [InlineData(ServiceRole.Payment, """{"amount":10}""", "order_id")]
    [InlineData(ServiceRole.Payment, """{"order_id":"o-1","amount":-5}""", "amount")]
    [InlineData(ServiceRole.Payment, """{"order_id":"o-1","amount":1.234}""", "amount")]
    [InlineData(ServiceRole.Inventory, """{"order_id":"o-1","sku":"SKU-1","quantity":0}""", "quantity")]
    [InlineData(ServiceRole.Inventory, """{"order_id":"o-1","quantity":1}""", "sku")]
    [InlineData(ServiceRole.Inventory, """{"order_id":"o-1","sku":"SKU\u00001","quantity":1}""", "sku")]
    [InlineData(ServiceRole.Delivery, """{"order_id":"o-1","slot":"tomorrow"}""", "slot")]
    [InlineData(ServiceRole.Delivery, """{"order_id":"bad id!","slot":"2024-05-20T10:00"}""", "order_id")]
    public async Task Reserve_WithInvalidBody_Answers400NamingTheFieldAndRecordsNothing(ServiceRole role, string json, string field)
    {
        var client = FactoryOf(role).CreateClient();

        var response = await client.PostAsync($"/{role.RouteName()}/reserve", Json.Body(json));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await response.ReadJsonAsync())["errors"]!.AsObject().Select(e => e.Key).Should().Equal(field);
        (await client.GetAsync($"/{role.RouteName()}/reservations/o-1")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task GetReservation_ForUnknownOrder_Is404Problem()
    {
        var response = await payment.CreateClient().GetAsync("/payment/reservations/nobody");

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
    }

    [Fact]
    public async Task ListReservations_ByStatus_PagesOldestFirstWithANextCursor()
    {
        foreach (var id in new[] { "l-1", "l-2", "l-3" })
        {
            await Post(payment, "/payment/reserve", new PaymentReservationRequest(id, 5m));
        }
        await Post(payment, "/payment/cancel", new CancelRequest("l-2"));
        var client = payment.CreateClient();

        var first = (await client.GetFromJsonAsync<ReservationPage>("/payment/reservations?status=reserved&limit=1", SagaJson.Options))!;
        var second = (await client.GetFromJsonAsync<ReservationPage>(
            $"/payment/reservations?status=reserved&limit=1&after={Uri.EscapeDataString(first.Next!)}", SagaJson.Options))!;
        var young = (await client.GetFromJsonAsync<ReservationPage>("/payment/reservations?older_than=3600", SagaJson.Options))!;
        var youngIso = (await client.GetFromJsonAsync<ReservationPage>("/payment/reservations?older_than=PT1H", SagaJson.Options))!;
        var all = (await client.GetFromJsonAsync<ReservationPage>("/payment/reservations?older_than=00:00:00", SagaJson.Options))!;

        first.Reservations.Select(r => r.OrderId).Concat(second.Reservations.Select(r => r.OrderId)).Should().Equal("l-1", "l-3");
        second.Next.Should().BeNull();
        first.Reservations[0].CreatedAt.Should().NotBeNull();
        young.Reservations.Should().BeEmpty("nothing was reserved an hour ago");
        youngIso.Reservations.Should().BeEmpty("PT1H is the same age as 3600 seconds");
        all.Reservations.Select(r => r.OrderId).Should().BeEquivalentTo(["l-1", "l-2", "l-3"]);
    }

    [Theory]
    [InlineData("status=held", "status")]
    [InlineData("limit=0", "limit")]
    [InlineData("older_than=-5", "older_than")]
    [InlineData("older_than=soon", "older_than")]
    [InlineData("older_than=P30000Y", "older_than")]
    [InlineData("after=yesterday", "after")]
    public async Task ListReservations_WithABadParameter_Answers400NamingIt(string query, string field)
    {
        var response = await payment.CreateClient().GetAsync($"/payment/reservations?{query}");

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.ReadJsonAsync())["errors"]!.AsObject().Select(e => e.Key).Should().Equal(field);
    }

    [Fact]
    public async Task Reserve_InParallel_NeverOversells()
    {
        var client = inventory.CreateClient();

        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            client.PostAsJsonAsync("/inventory/reserve", new InventoryReservationRequest($"p-{i}", "SKU-1", 1), SagaJson.Options)));

        responses.Count(r => r.StatusCode == HttpStatusCode.OK).Should().Be(10);
        responses.Count(r => r.StatusCode == HttpStatusCode.Conflict).Should().Be(30);
        (await Stock("SKU-1")).Should().Be(new StockView("SKU-1", 0, 10));
    }

    [Fact]
    public async Task FaultInjection_ReserveDelay_HoldsTheAnswerForThatLong()
    {
        var clock = new SignallingClock();
        using var slow = new SagaFactory(ServiceRole.Delivery, new Dictionary<string, string?> { ["FaultInjection:ReserveDelay"] = "00:00:05" },
            services => services.AddSingleton<TimeProvider>(clock));
        var client = slow.CreateClient();

        var reserve = client.PostAsync("/delivery/reserve", JsonContent.Create(new DeliveryReservationRequest("o-1", "2024-05-20T10:00"), options: SagaJson.Options));

        (await clock.TimerCreated.WaitAsync(TimeSpan.FromSeconds(10))).Should().BeTrue();
        clock.Advance(TimeSpan.FromSeconds(4.9));
        reserve.IsCompleted.Should().BeFalse("the reserve waits out the injected delay");
        clock.Advance(TimeSpan.FromSeconds(0.1));
        (await reserve.WaitAsync(TimeSpan.FromSeconds(10))).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task FaultInjection_IsOffByDefault()
    {
        var clock = new SignallingClock();
        using var normal = new SagaFactory(ServiceRole.Delivery, services: services => services.AddSingleton<TimeProvider>(clock));

        var response = await normal.CreateClient().PostAsync("/delivery/reserve",
            JsonContent.Create(new DeliveryReservationRequest("o-1", "2024-05-20T10:00"), options: SagaJson.Options));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        clock.TimerCreated.CurrentCount.Should().Be(0);
    }

    private SagaFactory FactoryOf(ServiceRole role) => role switch
    {
        ServiceRole.Payment => payment,
        ServiceRole.Inventory => inventory,
        _ => delivery,
    };

    private static Task<HttpResponseMessage> Post(SagaFactory factory, string path, object body) =>
        factory.CreateClient().PostAsync(path, JsonContent.Create(body, body.GetType(), options: SagaJson.Options));

    private async Task<StockView> Stock(string sku) =>
        (await inventory.CreateClient().GetFromJsonAsync<StockView>($"/inventory/stock/{sku}", SagaJson.Options))!;

    private async Task<SlotView> Slot(string slot) =>
        (await delivery.CreateClient().GetFromJsonAsync<SlotView>($"/delivery/slots/{slot}", SagaJson.Options))!;
}
