using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using SagaDemo.Clients;
using SagaDemo.Contracts;
using SagaDemo.Hosting;
using SagaDemo.Orders;
using SagaDemo.Participants;
using SagaDemo.Saga;
using SagaDemo.Tests.Infrastructure;

namespace SagaDemo.Tests.Participants;

/// <summary>
/// A fourth participant, known only to this test: one registry entry and one rules class (plus its
/// request record) make it a participant that serves the shared endpoints, and one more step puts
/// it at the end of the order saga, which then reserves it last and undoes everything before it
/// when it says no.
/// </summary>
public sealed class FourthParticipantTests : IAsyncLifetime
{
    /// <summary>The entry: a name, where the orchestrator would find it, its request and its rules.</summary>
    private static readonly Participant GiftWrap = Participant.Define<GiftWrapRequest, GiftWrapRules>("giftwrap", "GIFTWRAP_URL", "http://localhost:8004");

    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly SagaSystem system;
    private readonly Dictionary<string, string> papers = [];
    private WebApplication? giftWrap;

    public FourthParticipantTests() => system = new(orchestratorServices: services =>
        services.AddParticipantClient(GiftWrap.Name, new Uri("http://giftwrap"))
            .ConfigurePrimaryHttpMessageHandler(() => new ParticipantLink(GiftWrap.Name, system!.Calls).Wrap(giftWrap!.GetTestServer().CreateHandler())));

    public async Task InitializeAsync()
    {
        // The participant's host, as Program makes one for a role: the shared endpoints, its store and rules.
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.ConfigureHttpJsonOptions(json => SagaJson.Configure(json.SerializerOptions));
        builder.AddSecurity();
        builder.AddParticipant(GiftWrap);
        giftWrap = builder.Build();
        giftWrap.MapParticipant(GiftWrap);
        await giftWrap.StartAsync();
    }

    public async Task DisposeAsync()
    {
        system.Dispose();
        if (giftWrap is not null)
        {
            await giftWrap.DisposeAsync();
        }
    }

    [Fact]
    public async Task AnOrder_IsReservedAtAllFourParticipantsInOrder_AndConfirmed()
    {
        var drive = await Driver().StartAsync(Details("gift-1", paper: "plain"), CancellationToken.None);

        drive.Log.Status.Should().Be(SagaStatus.Confirmed);
        system.Calls.Posts.Should().Equal("POST /payment/reserve", "POST /inventory/reserve", "POST /delivery/reserve", "POST /giftwrap/reserve");
        (await Clients[GiftWrap.Name].GetStateAsync("gift-1", CancellationToken.None)).Should().Be(ParticipantState.Reserved);
    }

    [Fact]
    public async Task WhenTheFourthSaysNo_TheThreeBeforeItAreCancelledNewestFirst()
    {
        var drive = await Driver().StartAsync(Details("gift-2", paper: "gold"), CancellationToken.None);

        drive.Log.Status.Should().Be(SagaStatus.Cancelled);
        drive.Log.Failure.Should().Be("Giftwrap reservation failed: No gold paper left");
        system.Calls.Posts.Should().Equal(
            "POST /payment/reserve", "POST /inventory/reserve", "POST /delivery/reserve", "POST /giftwrap/reserve",
            "POST /delivery/cancel", "POST /inventory/cancel", "POST /payment/cancel");
        (await Clients[GiftWrap.Name].GetStateAsync("gift-2", CancellationToken.None)).Should().Be(ParticipantState.Rejected);
    }

    private ParticipantClients Clients => system.Service<ParticipantClients>();

    /// <summary>The order saga with one more step: the fourth participant, reserved with the order's paper.</summary>
    private SagaDriver<OrderDetails> Driver()
    {
        var saga = system.Service<OrderSaga>().Definition;
        var withGiftWrap = new SagaDefinition<OrderDetails>(saga.Name, saga.IdOf,
            [.. saga.Steps, OrderSaga.Step(Clients, GiftWrap, order => new GiftWrapRequest(order.OrderId, papers[order.OrderId]))]);
        return new SagaDriver<OrderDetails>(withGiftWrap, system.Service<IOrderStore>(), new SagaLease("test", TimeSpan.FromSeconds(30)),
            new SagaBudgets(1, TimeSpan.Zero, TimeSpan.Zero, 1, TimeSpan.Zero, TimeSpan.Zero), clock,
            NullLogger<SagaDriver<OrderDetails>>.Instance, system.Service<SagaTelemetry>());
    }

    private OrderDetails Details(string id, string paper)
    {
        papers[id] = paper;
        return OrderDetails.From(SagaSystem.NewOrder(id));
    }

    /// <summary>The fourth participant's reserve body.</summary>
    public sealed record GiftWrapRequest([OrderId] string? OrderId, string? Paper, bool ForceFail = false) : IReservationRequest
    {
        public ReservationView Describe(ReservationStatus status, string? reason) => new(OrderId!, status, Reason: reason);
    }

    /// <summary>The fourth participant's business rule: there is no gold paper.</summary>
    public sealed class GiftWrapRules : IReservationRules<GiftWrapRequest>
    {
        public string ForcedFailure => "Gift wrapping refused";

        public string? ResourceOf(GiftWrapRequest request) => null;

        public Decision Decide(GiftWrapRequest request, int unitsHeld) =>
            request.Paper == "gold" ? Decision.Refuse("No gold paper left") : Decision.Approve();
    }
}
