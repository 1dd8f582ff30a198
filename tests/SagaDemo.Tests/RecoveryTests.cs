using System.Collections.Immutable;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SagaDemo.Contracts;
using SagaDemo.Hosting;
using SagaDemo.Infrastructure.Storage;
using SagaDemo.Orders;
using SagaDemo.Saga;
using SagaDemo.Tests.Infrastructure;

namespace SagaDemo.Tests;

/// <summary>
/// Recovery drives orders that an orchestrator left unfinished (it stopped mid-saga): the store is
/// given the record such an orchestrator leaves behind, and a recovery pass must end it correctly.
/// </summary>
public sealed class RecoveryTests : IDisposable
{
    // The orchestrator's clock stands still: leases and rounds are judged against it, not the wall clock.
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly SagaSystem system;

    public RecoveryTests() => system = new(
        orchestratorSettings: new Dictionary<string, string?>
        {
            ["Saga:CompensationAttempts"] = "1",
            ["Resilience:RetryCount"] = "0",
            ["Recovery:RetryBaseDelay"] = "00:00:00",
            ["Recovery:MaxCompensationRounds"] = "3",
        },
        orchestratorServices: services => services.AddSingleton<TimeProvider>(clock));

    private DateTimeOffset LongAgo => clock.GetUtcNow().AddMinutes(-5);

    public void Dispose() => system.Dispose();

    [Fact]
    public async Task APendingOrderWhoseThreeReservesSucceeded_IsConfirmed()
    {
        var details = await ReserveDirectly("r-1", "payment", "inventory", "delivery");
        await Crashed(details, Reserved("payment"), Reserved("inventory"), Reserved("delivery"));

        (await Recovery.RecoverDueOrdersAsync(CancellationToken.None)).Should().Be(1);

        var order = await Get("r-1");
        order.Status.Should().Be(SagaStatus.Confirmed);
        order.Participants!.Values.Should().OnlyContain(s => s == ParticipantState.Reserved);
        system.Calls.Posts.Should().BeEmpty();
    }

    [Fact]
    public async Task AnOrderInterruptedMidSaga_IsCompensatedInReverse_InFlightStepIncluded()
    {
        var details = await ReserveDirectly("r-1", "payment", "inventory");
        await Crashed(details, Reserved("payment"), InFlight("inventory"));

        await Recovery.RecoverDueOrdersAsync(CancellationToken.None);

        system.Calls.Posts.Should().Equal("POST /inventory/cancel", "POST /payment/cancel");
        var order = await Get("r-1");
        order.Status.Should().Be(SagaStatus.Cancelled);
        order.Failure.Should().Contain("interrupted");
        order.Steps.Should().Equal("payment reserved", "inventory unknown", "inventory cancelled", "payment cancelled");
        order.Participants.Should().Equal(new Dictionary<string, ParticipantState>
        {
            ["payment"] = ParticipantState.Cancelled,
            ["inventory"] = ParticipantState.Cancelled,
            ["delivery"] = ParticipantState.None,
        });
    }

    [Fact]
    public async Task AnOrderInterruptedBeforeAnyCall_IsCancelledWithNothingToUndo()
    {
        await Crashed(Details("r-1"));

        await Recovery.RecoverDueOrdersAsync(CancellationToken.None);

        (await Get("r-1")).Status.Should().Be(SagaStatus.Cancelled);
        system.Calls.Posts.Should().BeEmpty();
    }

    [Fact]
    public async Task AnOrderLeasedByALiveOrchestrator_IsLeftAlone()
    {
        await Store.InsertAsync(Order.Begin(Details("r-1"), LongAgo) with
        {
            History = [InFlight("payment")],
            LeaseOwner = "another-replica",
            LeaseUntil = clock.GetUtcNow().AddMinutes(1),
        }, CancellationToken.None);

        (await Recovery.RecoverDueOrdersAsync(CancellationToken.None)).Should().Be(0);

        (await Store.FindAsync("r-1", CancellationToken.None))!.Status.Should().Be(SagaStatus.Pending);
        system.Calls.Posts.Should().BeEmpty();
    }

    [Fact]
    public async Task TwoRecoveryPassesAtOnce_DriveEachOrderOnlyOnce()
    {
        foreach (var id in new[] { "r-1", "r-2", "r-3" })
        {
            await Crashed(await ReserveDirectly(id, "payment"), Reserved("payment"));
        }

        var passes = await Task.WhenAll(Recovery.RecoverDueOrdersAsync(CancellationToken.None), Recovery.RecoverDueOrdersAsync(CancellationToken.None));

        passes.Sum().Should().Be(3);
        system.Calls.Posts.Should().HaveCount(3).And.OnlyContain(call => call == "POST /payment/cancel");
    }

    [Fact]
    public async Task AnOrderThatCannotBeDrivenNow_DoesNotStopThePassForTheOthers()
    {
        using var flaky = new SagaSystem(orchestratorServices: services =>
        {
            services.AddSingleton<TimeProvider>(clock);
            services.AddSingleton<IOrderStore>(new StoreFailingFor("r-bad", new InMemoryOrderStore()));
        });
        var store = flaky.Service<IOrderStore>();
        foreach (var id in new[] { "r-bad", "r-1", "r-2" })
        {
            await store.InsertAsync(Order.Begin(Details(id), LongAgo) with { LeaseOwner = "dead-replica", LeaseUntil = LongAgo }, CancellationToken.None);
        }

        var driven = await flaky.Service<OrderRecovery>().RecoverDueOrdersAsync(CancellationToken.None);

        driven.Should().Be(2);
        (await store.FindAsync("r-1", CancellationToken.None))!.Status.Should().Be(SagaStatus.Cancelled);
        (await store.FindAsync("r-2", CancellationToken.None))!.Status.Should().Be(SagaStatus.Cancelled);
        (await store.FindAsync("r-bad", CancellationToken.None))!.Status.Should().Be(SagaStatus.Pending, "it stays due for a later pass");
    }

    [Fact]
    public async Task APassStartsNoOrderAfterItsMaxDuration_TheRestWaitForTheNextPass()
    {
        using var slow = new SagaSystem(
            orchestratorSettings: new Dictionary<string, string?> { ["Recovery:MaxPassDuration"] = "00:00:01" },
            orchestratorServices: services =>
            {
                services.AddSingleton<TimeProvider>(clock);
                // Finding the due orders takes longer than the pass may last.
                services.AddSingleton<IOrderStore>(new StoreFailingFor("none", new InMemoryOrderStore(), onListRecoverable: () => clock.Advance(TimeSpan.FromSeconds(2))));
            });
        var store = slow.Service<IOrderStore>();
        foreach (var id in new[] { "r-1", "r-2" })
        {
            await store.InsertAsync(Order.Begin(Details(id), LongAgo) with { LeaseOwner = "dead-replica", LeaseUntil = LongAgo }, CancellationToken.None);
        }

        var driven = await slow.Service<OrderRecovery>().RecoverDueOrdersAsync(CancellationToken.None);

        driven.Should().Be(0);
        (await store.FindAsync("r-1", CancellationToken.None))!.Status.Should().Be(SagaStatus.Pending, "it stays due");
        slow.Calls.Posts.Should().BeEmpty();
    }

    /// <summary>An order store whose writes of one order fail as a database that is down would.</summary>
    private sealed class StoreFailingFor(string orderId, IOrderStore inner, Action? onListRecoverable = null) : IOrderStore
    {
        public string Description => inner.Description;

        public Task InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);

        public Task PingAsync(CancellationToken cancellationToken) => inner.PingAsync(cancellationToken);

        public Task<int> DeleteExpiredAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken) =>
            inner.DeleteExpiredAsync(before, limit, cancellationToken);

        public Task<SagaWrite<OrderDetails>> InsertAsync(Order order, CancellationToken cancellationToken) => inner.InsertAsync(order, cancellationToken);

        public Task<SagaWrite<OrderDetails>> UpdateAsync(Order order, CancellationToken cancellationToken) =>
            order.OrderId == orderId ? throw new StoreUnavailableException("The order store (test) cannot be reached") : inner.UpdateAsync(order, cancellationToken);

        public Task<Order?> FindAsync(string id, CancellationToken cancellationToken) => inner.FindAsync(id, cancellationToken);

        public Task<IReadOnlyList<Order>> ListAsync(SagaStatus? status, int limit, CancellationToken cancellationToken) =>
            inner.ListAsync(status, limit, cancellationToken);

        public Task<IReadOnlyDictionary<SagaStatus, long>> CountByStatusAsync(CancellationToken cancellationToken) =>
            inner.CountByStatusAsync(cancellationToken);

        public Task<DateTimeOffset> CreatedAtAsync(CancellationToken cancellationToken) => inner.CreatedAtAsync(cancellationToken);

        public Task<IReadOnlyList<Order>> ListRecoverableAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken)
        {
            onListRecoverable?.Invoke();
            return inner.ListRecoverableAsync(now, limit, cancellationToken);
        }
    }

    [Fact]
    public async Task ACompensationThatKeepsFailing_BecomesCompensationFailedAfterTheBudget_AndAnOperatorCanDriveItAgain()
    {
        system.PaymentLink.Refuse("cancel");
        var placed = await system.PlaceAsync(SagaSystem.NewOrder("r-1") with { ForceInventoryFailure = true });
        Json.Deserialize<OrderView>((await placed.ReadJsonAsync())["order"]!).Status.Should().Be(SagaStatus.Compensating);

        await Recovery.RecoverDueOrdersAsync(CancellationToken.None);
        (await Store.FindAsync("r-1", CancellationToken.None))!.Status.Should().Be(SagaStatus.Compensating, "the budget is three rounds");
        await Recovery.RecoverDueOrdersAsync(CancellationToken.None);

        var failed = await system.Client.GetFromJsonAsync<OrderView[]>("/orders?status=compensation_failed", SagaJson.Options);
        failed!.Select(o => o.OrderId).Should().Equal("r-1");
        (await Recovery.RecoverDueOrdersAsync(CancellationToken.None)).Should().Be(0, "recovery stops at the budget");

        system.PaymentLink.Heal();
        var retried = await system.Client.PostAsync("/orders/r-1/compensate", null);

        retried.StatusCode.Should().Be(HttpStatusCode.OK);
        (await retried.ReadAsync<OrderView>()).Status.Should().Be(SagaStatus.Cancelled);
        (await Get("r-1")).Participants!["payment"].Should().Be(ParticipantState.Cancelled);
    }

    [Fact]
    public async Task Compensate_WhileADriverHoldsTheOrder_Is409BeingDriven_AndCallsNobody()
    {
        system.PaymentLink.Refuse("cancel");
        var placed = await system.PlaceAsync(SagaSystem.NewOrder("r-1") with { ForceInventoryFailure = true });
        var order = (await Store.FindAsync("r-1", CancellationToken.None))!;
        order.Status.Should().Be(SagaStatus.Compensating);
        // Another replica took the order and is driving it now.
        var leased = order with { LeaseOwner = "replica-b", LeaseUntil = clock.GetUtcNow().AddSeconds(20) };
        (await Store.UpdateAsync(leased, CancellationToken.None)).Saved.Should().BeTrue();
        var callsBefore = system.Calls.Posts.Count;

        var redrive = await system.Client.PostAsync("/orders/r-1/compensate", null);

        placed.StatusCode.Should().Be(HttpStatusCode.Conflict);
        redrive.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await redrive.ReadJsonAsync())["detail"]!.GetValue<string>().Should().Contain("being driven").And.Contain("replica-b");
        system.Calls.Posts.Count.Should().Be(callsBefore, "never a second driver");
    }

    [Fact]
    public async Task RepeatedRedrives_DoNotResetTheBudget_EachIsOneRound()
    {
        system.PaymentLink.Refuse("cancel");
        await system.PlaceAsync(SagaSystem.NewOrder("r-1") with { ForceInventoryFailure = true });
        await Recovery.RecoverDueOrdersAsync(CancellationToken.None);
        await Recovery.RecoverDueOrdersAsync(CancellationToken.None);
        var spent = (await Store.FindAsync("r-1", CancellationToken.None))!;
        spent.Status.Should().Be(SagaStatus.CompensationFailed);

        var first = await system.Client.PostAsync("/orders/r-1/compensate", null);
        var second = await system.Client.PostAsync("/orders/r-1/compensate", null);
        var after = (await Store.FindAsync("r-1", CancellationToken.None))!;

        first.StatusCode.Should().Be(HttpStatusCode.OK);
        second.StatusCode.Should().Be(HttpStatusCode.OK);
        after.Status.Should().Be(SagaStatus.CompensationFailed, "each redrive is one round, after which the operator has the order back");
        after.CompensationRounds.Should().Be(spent.CompensationRounds + 2, "the rounds already spent stay counted");
        (await Recovery.RecoverDueOrdersAsync(CancellationToken.None)).Should().Be(0, "recovery does not pick it up again");
    }

    [Fact]
    public async Task Compensate_OnAConfirmedOrder_Is409_AndOnAnUnknownOne404()
    {
        await system.PlaceAsync(SagaSystem.NewOrder("r-1"));

        var confirmed = await system.Client.PostAsync("/orders/r-1/compensate", null);
        var unknown = await system.Client.PostAsync("/orders/nobody/compensate", null);

        confirmed.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await confirmed.ReadJsonAsync())["detail"]!.GetValue<string>().Should().Contain("is confirmed");
        unknown.StatusCode.Should().Be(HttpStatusCode.NotFound);
        system.Calls.Posts.Should().NotContain(call => call.EndsWith("/cancel", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AClientRetryingAfterACrash_GetsTheRecordedOrderAndNoSecondSaga()
    {
        var details = await ReserveDirectly("r-1", "payment");
        await Crashed(details, Reserved("payment"));
        await Recovery.RecoverDueOrdersAsync(CancellationToken.None);
        var callsBefore = system.Calls.Posts.Count;

        var retry = await system.PlaceAsync(SagaSystem.NewOrder("r-1"));

        retry.StatusCode.Should().Be(HttpStatusCode.Conflict);
        Json.Deserialize<OrderView>((await retry.ReadJsonAsync())["order"]!).Status.Should().Be(SagaStatus.Cancelled);
        system.Calls.Posts.Should().HaveCount(callsBefore);
    }

    [Fact]
    public async Task AClientRetryingWhileTheSagaStillRuns_GetsAccepted()
    {
        await Store.InsertAsync(Order.Begin(Details("r-1"), LongAgo) with
        {
            LeaseOwner = "another-replica",
            LeaseUntil = clock.GetUtcNow().AddMinutes(1),
        }, CancellationToken.None);

        var retry = await system.PlaceAsync(SagaSystem.NewOrder("r-1"));

        retry.StatusCode.Should().Be(HttpStatusCode.Accepted);
        retry.Headers.Location!.ToString().Should().Be("/orders/r-1");
    }

    private OrderRecovery Recovery => system.Service<OrderRecovery>();

    private IOrderStore Store => system.Service<IOrderStore>();

    private static OrderDetails Details(string id) => OrderDetails.From(SagaSystem.NewOrder(id));

    /// <summary>Makes the participants hold what the crashed orchestrator had reserved.</summary>
    private async Task<OrderDetails> ReserveDirectly(string id, params string[] steps)
    {
        var details = Details(id);
        foreach (var step in steps)
        {
            var (factory, body) = step switch
            {
                "payment" => (system.Payment, (object)new PaymentReservationRequest(id, details.Amount)),
                "inventory" => (system.Inventory, new InventoryReservationRequest(id, details.Sku, details.Quantity)),
                _ => (system.Delivery, new DeliveryReservationRequest(id, details.Slot)),
            };
            var response = await factory.CreateClient().PostAsync($"/{step}/reserve", JsonContent.Create(body, body.GetType(), options: SagaJson.Options));
            response.StatusCode.Should().Be(HttpStatusCode.OK);
        }
        return details;
    }

    /// <summary>The record an orchestrator leaves when it dies mid-saga: pending, its lease run out.</summary>
    private Task Crashed(OrderDetails details, params StepCall[] history) =>
        Store.InsertAsync(Order.Begin(details, LongAgo) with
        {
            History = history.ToImmutableArray(),
            LeaseOwner = "dead-replica",
            LeaseUntil = LongAgo.AddSeconds(30),
        }, CancellationToken.None);

    private StepCall Reserved(string step) => new(step, SagaAction.Reserve, CallOutcome.Succeeded, 1, LongAgo, LongAgo, null);

    private StepCall InFlight(string step) => new(step, SagaAction.Reserve, CallOutcome.Pending, 0, LongAgo, null, null);

    private async Task<OrderView> Get(string id) =>
        (await system.Client.GetFromJsonAsync<OrderView>($"/orders/{id}", SagaJson.Options))!;
}
