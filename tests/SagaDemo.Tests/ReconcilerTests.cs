using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using SagaDemo.Contracts;
using SagaDemo.Hosting;
using SagaDemo.Infrastructure.Storage;
using SagaDemo.Orders;
using SagaDemo.Saga;
using SagaDemo.Tests.Infrastructure;

namespace SagaDemo.Tests;

/// <summary>
/// The reconciler cross-checks what the participants hold against the saga log. The orchestrator
/// and the participants share one fake clock, so a test decides how old a reservation looks.
/// </summary>
public sealed class ReconcilerTests : IDisposable
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly SagaSystem system;

    public ReconcilerTests()
    {
        system = new SagaSystem(
            orchestratorSettings: new Dictionary<string, string?> { ["Reconcile:GracePeriod"] = "00:02:00", ["Reconcile:PageSize"] = "2" },
            orchestratorServices: services => services.AddSingleton<TimeProvider>(clock),
            participantServices: services => services.AddSingleton<TimeProvider>(clock));
    }

    public void Dispose() => system.Dispose();

    private Reconciler Reconciler => system.Service<Reconciler>();

    [Fact]
    public async Task AReservationTheLogNeverSaw_IsReleasedOnlyOnceOlderThanTheGracePeriod()
    {
        await Reserve(system.Payment, "/payment/reserve", new PaymentReservationRequest("ghost-1", 10m));
        await Reserve(system.Inventory, "/inventory/reserve", new InventoryReservationRequest("ghost-1", "SKU-GHOST", 2));

        var young = await Reconciler.RunPassAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(3));
        var old = await Reconciler.RunPassAsync(CancellationToken.None);

        young.Checked.Should().Be(2);
        young.Released.Should().Be(0);
        old.Released.Should().Be(2);
        old.Participants.SelectMany(p => p.Released).Select(r => (r.Participant, r.OrderId)).Should()
            .BeEquivalentTo([("payment", "ghost-1"), ("inventory", "ghost-1")]);
        (await State(system.Payment, "payment", "ghost-1")).Should().Be("cancelled");
        (await system.Inventory.CreateClient().GetFromJsonAsync<StockView>("/inventory/stock/SKU-GHOST", SagaJson.Options))!.Reserved.Should().Be(0);
    }

    [Fact]
    public async Task AConfirmedOrderDeletedByRetention_KeepsItsHolds()
    {
        (await system.PlaceAsync(SagaSystem.NewOrder("kept-1"))).StatusCode.Should().Be(HttpStatusCode.Created);
        clock.Advance(TimeSpan.FromDays(31));
        var retention = system.Orders.Services.GetServices<IHostedService>().OfType<RetentionJob>().Single();

        await retention.RunPassAsync(CancellationToken.None);
        var pass = await Reconciler.RunPassAsync(CancellationToken.None);

        retention.Deleted.Should().Be(1, "the confirmed order ended more than Retention__Orders (30 days) ago");
        (await system.Client.GetAsync("/orders/kept-1")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        pass.Released.Should().Be(0);
        pass.Refused.Should().Be(0, "a hold older than the order retention may belong to a deleted order: nothing to report");
        (await State(system.Payment, "payment", "kept-1")).Should().Be("reserved");
        (await State(system.Delivery, "delivery", "kept-1")).Should().Be("reserved");
    }

    [Fact]
    public async Task AReservationHeldForACancelledOrder_IsReleased_AndTheOrdersHistoryTellsIt()
    {
        (await system.PlaceAsync(SagaSystem.NewOrder("late-1") with { ForceInventoryFailure = true })).StatusCode.Should().Be(HttpStatusCode.Conflict);
        // Delivery was never asked; a reserve for the order reaches it late (a stray duplicate, say).
        await Reserve(system.Delivery, "/delivery/reserve", new DeliveryReservationRequest("late-1", "2024-05-20T10:00"));

        var pass = await Reconciler.RunPassAsync(CancellationToken.None);

        pass.Released.Should().Be(1);
        (await State(system.Delivery, "delivery", "late-1")).Should().Be("cancelled");
        var order = (await system.Client.GetFromJsonAsync<OrderView>("/orders/late-1", SagaJson.Options))!;
        order.Status.Should().Be(SagaStatus.Cancelled);
        order.Steps.Should().Equal("payment reserved", "inventory failed", "payment cancelled", "delivery released by the reconciler");
        order.History[^1].Should().Match<StepCall>(call =>
            call.Step == "delivery" && call.Action == SagaAction.Reconcile && call.Outcome == CallOutcome.Succeeded && call.Detail!.Contains("is cancelled"));
    }

    [Fact]
    public async Task ConfirmedOrders_AreLeftAlone_AndLaterPassesStartAfterThem()
    {
        for (var i = 0; i < 3; i++)
        {
            (await system.PlaceAsync(SagaSystem.NewOrder($"ok-{i}"))).StatusCode.Should().Be(HttpStatusCode.Created);
        }
        clock.Advance(TimeSpan.FromMinutes(3));

        var first = await Reconciler.RunPassAsync(CancellationToken.None);
        var second = await Reconciler.RunPassAsync(CancellationToken.None);

        first.Participants.Select(p => p.Error).Should().AllBe(null);
        first.Checked.Should().Be(9);
        first.Released.Should().Be(0);
        second.Checked.Should().Be(0, "settled reservations older than the grace period are behind the watermark");
        (await State(system.Payment, "payment", "ok-0")).Should().Be("reserved");
    }

    [Fact]
    public async Task AParticipantThatCannotBeRead_IsReported_AndTheOthersAreStillChecked()
    {
        await Reserve(system.Payment, "/payment/reserve", new PaymentReservationRequest("ghost-2", 10m));
        clock.Advance(TimeSpan.FromMinutes(3));
        system.InventoryLink.Refuse("reservations");

        var response = await system.Client.PostAsync("/reconcile", null);
        var status = await system.Client.GetFromJsonAsync<ReconcileStatus>("/reconcile", SagaJson.Options);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var pass = (await response.Content.ReadFromJsonAsync<ReconcilePass>(SagaJson.Options))!;
        pass.Participants.Single(p => p.Participant == "inventory").Error.Should().Contain("Could not read the reservations of inventory");
        pass.Released.Should().Be(1);
        status!.Passes.Should().Be(1);
        status.Released.Should().Be(1);
        status.Failed.Should().Be(1);
    }

    [Fact]
    public async Task HoldsOfOrdersTheLogNeverSaw_AreReleasedAtMostMaxUnknownReleasesPerPass_TheRestRefusedAndReported()
    {
        using var capped = new SagaSystem(
            orchestratorSettings: new Dictionary<string, string?> { ["Reconcile:GracePeriod"] = "00:02:00", ["Reconcile:MaxUnknownReleases"] = "2" },
            orchestratorServices: services => services.AddSingleton<TimeProvider>(clock),
            participantServices: services => services.AddSingleton<TimeProvider>(clock));
        for (var i = 1; i <= 3; i++)
        {
            await Reserve(capped.Payment, "/payment/reserve", new PaymentReservationRequest($"unknown-{i}", 10m));
        }
        clock.Advance(TimeSpan.FromMinutes(3));

        var first = await capped.Service<Reconciler>().RunPassAsync(CancellationToken.None);
        var status = await capped.Client.GetFromJsonAsync<ReconcileStatus>("/reconcile", SagaJson.Options);
        var second = await capped.Service<Reconciler>().RunPassAsync(CancellationToken.None);

        first.Released.Should().Be(2);
        first.Participants.SelectMany(p => p.Refused).Should().ContainSingle()
            .Which.Reason.Should().Contain("Reconcile__MaxUnknownReleases=2");
        status!.LastPass!.Refused.Should().Be(1, "GET /reconcile reports what was refused");
        status.Refused.Should().Be(1);
        second.Released.Should().Be(1, "the next pass has a budget of its own");
    }

    [Fact]
    public async Task AHoldOlderThanTheLogItself_IsNeverReleased_ForTheLogMayHaveBeenReplaced()
    {
        // The participants held these before this saga log began (a recreated volume, a fresh database).
        var participantsClock = new FakeTimeProvider(clock.GetUtcNow().AddHours(-1));
        using var replaced = new SagaSystem(
            orchestratorSettings: new Dictionary<string, string?> { ["Reconcile:GracePeriod"] = "00:02:00" },
            orchestratorServices: services => services.AddSingleton<TimeProvider>(clock),
            participantServices: services => services.AddSingleton<TimeProvider>(participantsClock));
        await Reserve(replaced.Payment, "/payment/reserve", new PaymentReservationRequest("confirmed-long-ago", 10m));
        await Reserve(replaced.Inventory, "/inventory/reserve", new InventoryReservationRequest("confirmed-long-ago", "SKU-1", 1));

        var pass = await replaced.Service<Reconciler>().RunPassAsync(CancellationToken.None);

        pass.Released.Should().Be(0);
        pass.Participants.SelectMany(p => p.Refused).Select(r => r.Participant).Should().BeEquivalentTo(["payment", "inventory"]);
        pass.Participants.SelectMany(p => p.Refused).Should().OnlyContain(r => r.Reason.Contains("older than the saga log"));
        (await State(replaced.Payment, "payment", "confirmed-long-ago")).Should().Be("reserved");
    }

    [Fact]
    public async Task ADryRun_ListsWhatAPassWouldRelease_AndReleasesNothing()
    {
        await Reserve(system.Payment, "/payment/reserve", new PaymentReservationRequest("ghost-dry", 10m));
        clock.Advance(TimeSpan.FromMinutes(3));

        var dry = await system.Client.PostAsync("/reconcile?dry_run=true", null);
        var dryPass = (await dry.ReadAsync<ReconcilePass>())!;
        var stillHeld = await State(system.Payment, "payment", "ghost-dry");
        var real = await Reconciler.RunPassAsync(CancellationToken.None);

        dry.StatusCode.Should().Be(HttpStatusCode.OK);
        dryPass.DryRun.Should().BeTrue();
        dryPass.Participants.SelectMany(p => p.Released).Should().ContainSingle()
            .Which.Should().Match<ReleasedReservation>(r => r.OrderId == "ghost-dry" && !r.Cancelled && r.Detail!.StartsWith("Dry run"));
        stillHeld.Should().Be("reserved");
        Reconciler.Status.Passes.Should().Be(1, "a dry run is not a pass");
        real.Released.Should().Be(1, "the dry run did not move the reconciler on");
        (await State(system.Payment, "payment", "ghost-dry")).Should().Be("cancelled");
    }

    private static async Task Reserve<T>(SagaFactory participant, string path, T request) =>
        (await participant.CreateClient().PostAsJsonAsync(path, request, SagaJson.Options)).StatusCode.Should().Be(HttpStatusCode.OK);

    private static async Task<string> State(SagaFactory participant, string role, string orderId) =>
        (await participant.CreateClient().GetFromJsonAsync<ReservationView>($"/{role}/reservations/{orderId}", SagaJson.Options))!
            .Status.ToString().ToLowerInvariant();
}
