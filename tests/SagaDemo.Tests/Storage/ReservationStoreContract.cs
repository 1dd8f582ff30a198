using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SagaDemo.Contracts;
using SagaDemo.Infrastructure.Sql;
using SagaDemo.Orders;
using SagaDemo.Participants;
using SagaDemo.Tests.Infrastructure;

namespace SagaDemo.Tests.Storage;

/// <summary>What every participant's reservation store must do; run against memory, SQLite and PostgreSQL alike.</summary>
public abstract class ReservationStoreContract : IAsyncLifetime
{
    protected const int ScarceStock = 20;

    protected FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));

    protected InventoryRules Rules { get; } = new(Options.Create(new InventoryOptions
    {
        InitialStock = 1000,
        Stock = { ["SKU-SCARCE"] = ScarceStock },
    }));

    protected IReservationStore<InventoryReservationRequest> Store { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Store = await CreateStoreAsync();
        await Store.InitializeAsync(CancellationToken.None);
    }

    public virtual Task DisposeAsync() => Task.CompletedTask;

    /// <summary>A store on a fresh database; called again, another store (a replica, or a restart) on the same one.</summary>
    protected abstract Task<IReservationStore<InventoryReservationRequest>> CreateStoreAsync();

    [Fact]
    public async Task DeleteExpired_RemovesOnlyReleasedAndRefusedReservationsMadeBeforeTheMoment_InBatches()
    {
        await Store.ReserveAsync(Request("released-old", quantity: 2), CancellationToken.None);
        await Store.CancelAsync("released-old", CancellationToken.None);
        await Store.ReserveAsync(Request("refused-old", "SKU-SCARCE", ScarceStock + 1), CancellationToken.None);
        await Store.CancelAsync("cancelled-unseen-old", CancellationToken.None);
        await Store.ReserveAsync(Request("held-old", quantity: 3), CancellationToken.None);
        Clock.Advance(TimeSpan.FromDays(31));
        var before = Clock.GetUtcNow().AddDays(-30);
        await Store.ReserveAsync(Request("released-new", quantity: 1), CancellationToken.None);
        await Store.CancelAsync("released-new", CancellationToken.None);

        var first = await Store.DeleteExpiredAsync(before, 2, CancellationToken.None);
        var second = await Store.DeleteExpiredAsync(before, 2, CancellationToken.None);
        var third = await Store.DeleteExpiredAsync(before, 2, CancellationToken.None);

        (first, second, third).Should().Be((2, 1, 0));
        foreach (var gone in new[] { "released-old", "refused-old", "cancelled-unseen-old" })
        {
            (await Store.FindAsync(gone, CancellationToken.None)).Should().BeNull();
        }
        (await Store.FindAsync("held-old", CancellationToken.None))!.Status.Should().Be(ReservationStatus.Reserved, "a hold is never retention's");
        (await Store.FindAsync("released-new", CancellationToken.None)).Should().NotBeNull();
        (await Store.UnitsHeldAsync("SKU-1", CancellationToken.None)).Should().Be(3);
    }

    [Fact]
    public async Task Reserve_HoldsTheUnits_AndIsFoundAsReserved()
    {
        var result = await Store.ReserveAsync(Request("o-1", quantity: 3), CancellationToken.None);

        result.Reserved.Should().BeTrue();
        (await Store.FindAsync("o-1", CancellationToken.None)).Should().Be(
            new ReservationView("o-1", ReservationStatus.Reserved, Sku: "SKU-1", Quantity: 3, CreatedAt: Clock.GetUtcNow()));
        (await Store.UnitsHeldAsync("SKU-1", CancellationToken.None)).Should().Be(3);
    }

    [Fact]
    public async Task Reserve_Repeated_AnswersTheSameAndHoldsOnce()
    {
        var first = await Store.ReserveAsync(Request("o-1", quantity: 3), CancellationToken.None);
        Clock.Advance(TimeSpan.FromSeconds(5));

        var again = await Store.ReserveAsync(Request("o-1", quantity: 3), CancellationToken.None);

        again.Should().Be(first);
        (await Store.UnitsHeldAsync("SKU-1", CancellationToken.None)).Should().Be(3);
    }

    [Fact]
    public async Task Reserve_SameOrderOtherParameters_IsRefusedAndKeepsTheFirst()
    {
        await Store.ReserveAsync(Request("o-1", quantity: 3), CancellationToken.None);

        var other = await Store.ReserveAsync(Request("o-1", quantity: 4), CancellationToken.None);

        other.Reserved.Should().BeFalse();
        other.Refusal.Should().Be("Order o-1 already has a reservation with different parameters");
        (await Store.UnitsHeldAsync("SKU-1", CancellationToken.None)).Should().Be(3);
    }

    [Fact]
    public async Task Reserve_MoreThanAvailable_IsRejectedAndHoldsNothing()
    {
        var result = await Store.ReserveAsync(Request("o-1", "SKU-SCARCE", ScarceStock + 1), CancellationToken.None);

        result.Reserved.Should().BeFalse();
        result.Refusal.Should().Be($"Insufficient stock for SKU-SCARCE: requested {ScarceStock + 1}, available {ScarceStock}");
        (await Store.FindAsync("o-1", CancellationToken.None))!.Status.Should().Be(ReservationStatus.Rejected);
        (await Store.UnitsHeldAsync("SKU-SCARCE", CancellationToken.None)).Should().Be(0);
    }

    [Fact]
    public async Task Reserve_Forced_IsRejectedWithTheRolesReason()
    {
        var result = await Store.ReserveAsync(Request("o-1") with { ForceFail = true }, CancellationToken.None);

        result.Refusal.Should().Be(Rules.ForcedFailure);
        (await Store.UnitsHeldAsync("SKU-1", CancellationToken.None)).Should().Be(0);
    }

    [Fact]
    public async Task Cancel_ReleasesTheUnits_AndIsIdempotent()
    {
        await Store.ReserveAsync(Request("o-1", quantity: 3), CancellationToken.None);

        var cancelled = await Store.CancelAsync("o-1", CancellationToken.None);
        var again = await Store.CancelAsync("o-1", CancellationToken.None);

        cancelled.Status.Should().Be(ReservationStatus.Cancelled);
        again.Should().Be(cancelled);
        (await Store.UnitsHeldAsync("SKU-1", CancellationToken.None)).Should().Be(0);
    }

    [Fact]
    public async Task Cancel_BeforeTheReserve_MakesTheLateReserveRefused()
    {
        (await Store.CancelAsync("o-1", CancellationToken.None)).Status.Should().Be(ReservationStatus.Cancelled);

        var late = await Store.ReserveAsync(Request("o-1", quantity: 3), CancellationToken.None);

        late.Reserved.Should().BeFalse();
        late.Refusal.Should().Be("Order o-1 was already cancelled");
        (await Store.UnitsHeldAsync("SKU-1", CancellationToken.None)).Should().Be(0);
    }

    [Fact]
    public async Task ParallelReservesCancelsAndDuplicates_NeverOversell()
    {
        // Three times more orders than stock, each sent twice, a third of them cancelled while others reserve.
        var orders = Enumerable.Range(0, ScarceStock * 3).Select(i => $"o-{i}").ToList();
        var replica = await CreateStoreAsync();
        var work = orders.SelectMany(id => new Func<Task>[]
        {
            () => Store.ReserveAsync(Request(id, "SKU-SCARCE", 1), CancellationToken.None),
            () => replica.ReserveAsync(Request(id, "SKU-SCARCE", 1), CancellationToken.None),
            () => id.EndsWith('0') || id.EndsWith('3') || id.EndsWith('6') ? replica.CancelAsync(id, CancellationToken.None) : Task.CompletedTask,
        }).ToList();

        await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (step, _) => await step());

        var reserved = await Store.ListAsync(new ReservationQuery(ReservationStatus.Reserved, null, null, 1000), CancellationToken.None);
        var held = await Store.UnitsHeldAsync("SKU-SCARCE", CancellationToken.None);
        held.Should().Be(reserved.Reservations.Count, "the units held are exactly those of the reserved orders");
        held.Should().BeLessThanOrEqualTo(ScarceStock);
        held.Should().BeGreaterThanOrEqualTo(ScarceStock - orders.Count(id => id.EndsWith('0') || id.EndsWith('3') || id.EndsWith('6')),
            "only cancellations free stock that others could not then take");
    }

    [Fact]
    public async Task List_FiltersByStatusAndAge_AndPagesOldestFirstWithoutGapsOrRepeats()
    {
        for (var i = 0; i < 7; i++)
        {
            await Store.ReserveAsync(Request($"o-{i}"), CancellationToken.None);
            if (i % 2 == 0)
            {
                Clock.Advance(TimeSpan.FromSeconds(10)); // some share a timestamp, so the order id breaks ties
            }
        }
        await Store.CancelAsync("o-3", CancellationToken.None);

        var seen = new List<string>();
        string? next = null;
        do
        {
            ReservationCursor? after = ReservationCursor.TryParse(next, out var cursor) ? cursor : null;
            var page = await Store.ListAsync(new ReservationQuery(ReservationStatus.Reserved, null, after, 2), CancellationToken.None);
            page.Reservations.Should().HaveCountLessThanOrEqualTo(2);
            seen.AddRange(page.Reservations.Select(r => r.OrderId));
            next = page.Next;
        }
        while (next is not null);

        seen.Should().Equal("o-0", "o-1", "o-2", "o-4", "o-5", "o-6");
        var old = await Store.ListAsync(new ReservationQuery(null, Clock.GetUtcNow().AddSeconds(-25), null, 100), CancellationToken.None);
        old.Reservations.Select(r => r.OrderId).Should().Equal("o-0", "o-1", "o-2");
    }

    protected static InventoryReservationRequest Request(string orderId, string sku = "SKU-1", int quantity = 1) => new(orderId, sku, quantity);
}

public sealed class InMemoryReservationStoreTests : ReservationStoreContract
{
    private InMemoryReservationStore<InventoryReservationRequest>? store;

    // In memory, a "replica" can only be the same store: the parallel test then runs against one book.
    protected override Task<IReservationStore<InventoryReservationRequest>> CreateStoreAsync() =>
        Task.FromResult<IReservationStore<InventoryReservationRequest>>(store ??= new InMemoryReservationStore<InventoryReservationRequest>(Rules, Clock));
}

public sealed class SqliteReservationStoreTests : ReservationStoreContract
{
    private readonly TestSqliteFolder folder = new();

    protected override Task<IReservationStore<InventoryReservationRequest>> CreateStoreAsync() =>
        Task.FromResult<IReservationStore<InventoryReservationRequest>>(new SqlReservationStore<InventoryReservationRequest>(
            new SqliteDialect(folder.ConnectionString("inventory.db")), "inventory", Rules, Clock));

    public override Task DisposeAsync()
    {
        folder.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Reservations_SurviveARestartOnTheSameFile()
    {
        await Store.ReserveAsync(Request("kept", quantity: 4), CancellationToken.None);
        await Store.CancelAsync("gone", CancellationToken.None);

        var restarted = await CreateStoreAsync();
        await restarted.InitializeAsync(CancellationToken.None);

        (await restarted.FindAsync("kept", CancellationToken.None))!.Status.Should().Be(ReservationStatus.Reserved);
        (await restarted.UnitsHeldAsync("SKU-1", CancellationToken.None)).Should().Be(4);
        (await restarted.ReserveAsync(Request("gone"), CancellationToken.None)).Refusal.Should().Be("Order gone was already cancelled");
    }
}

[Trait("Store", "postgres")]
public sealed class PostgresReservationStoreTests : ReservationStoreContract
{
    private TestPostgresDatabase? database;

    protected override async Task<IReservationStore<InventoryReservationRequest>> CreateStoreAsync()
    {
        database ??= await TestPostgresDatabase.CreateAsync("reservations");
        return new SqlReservationStore<InventoryReservationRequest>(new PostgresDialect(database.DataSource), "inventory", Rules, Clock);
    }

    public override async Task DisposeAsync()
    {
        if (database is not null)
        {
            await database.DisposeAsync();
        }
    }

    [Fact]
    public async Task Roles_SharingOneDatabase_KeepTheirOwnBooks()
    {
        var delivery = new SqlReservationStore<InventoryReservationRequest>(new PostgresDialect(database!.DataSource), "delivery", Rules, Clock);
        await delivery.InitializeAsync(CancellationToken.None);
        await Store.ReserveAsync(Request("o-1", quantity: 2), CancellationToken.None);

        (await delivery.FindAsync("o-1", CancellationToken.None)).Should().BeNull();
        (await delivery.UnitsHeldAsync("SKU-1", CancellationToken.None)).Should().Be(0);
        (await delivery.ReserveAsync(Request("o-1", quantity: 5), CancellationToken.None)).Reserved.Should().BeTrue();
    }
}
