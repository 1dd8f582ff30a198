using System.Net;
using System.Net.Http.Json;
using SagaDemo.Contracts;
using SagaDemo.Hosting;
using SagaDemo.Tests.Infrastructure;

namespace SagaDemo.Tests;

public sealed class LoadTests
{
    [Fact]
    public async Task TwoHundredParallelOrders_AgainstAStockOfFifty_ConfirmExactlyFifty()
    {
        using var system = new SagaSystem(participantSettings: new Dictionary<string, string?> { ["Inventory:InitialStock"] = "50" });

        var responses = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => system.PlaceAsync(SagaSystem.NewOrder($"load-{i}"))));

        responses.Count(r => r.StatusCode == HttpStatusCode.Created).Should().Be(50);
        responses.Count(r => r.StatusCode == HttpStatusCode.Conflict).Should().Be(150);
        var stock = await system.Inventory.CreateClient().GetFromJsonAsync<StockView>("/inventory/stock/SKU-1", SagaJson.Options);
        stock.Should().Be(new StockView("SKU-1", 0, 50));
        var slot = await system.Delivery.CreateClient().GetFromJsonAsync<SlotView>("/delivery/slots/2024-05-20T10:00", SagaJson.Options);
        slot!.Booked.Should().Be(50);
        var cancelled = await system.Client.GetFromJsonAsync<OrderView[]>("/orders?status=cancelled&limit=500", SagaJson.Options);
        cancelled!.Should().HaveCount(150).And.OnlyContain(o => o.Steps.SequenceEqual(new[] { "payment reserved", "inventory failed", "payment cancelled" }));
    }
}
