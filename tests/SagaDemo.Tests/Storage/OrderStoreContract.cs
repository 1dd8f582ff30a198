using System.Collections.Immutable;
using SagaDemo.Orders;
using SagaDemo.Saga;

namespace SagaDemo.Tests.Storage;

/// <summary>What every order store must do; run against memory, SQLite and PostgreSQL alike.</summary>
public abstract class OrderStoreContract : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    protected IOrderStore Store { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Store = await CreateStoreAsync();
        await Store.InitializeAsync(CancellationToken.None);
    }

    public virtual Task DisposeAsync() => Task.CompletedTask;

    protected abstract Task<IOrderStore> CreateStoreAsync();

    [Fact]
    public async Task TheLogKnowsWhenItBegan_AndAnotherStartDoesNotMoveIt()
    {
        var began = await Store.CreatedAtAsync(CancellationToken.None);
        await Store.InsertAsync(NewOrder("o-1"), CancellationToken.None);

        await Store.InitializeAsync(CancellationToken.None);

        (await Store.CreatedAtAsync(CancellationToken.None)).Should().Be(began);
        began.Should().BeAfter(DateTimeOffset.UnixEpoch);
    }

    [Fact]
    public async Task Add_ThenFind_RoundTripsTheWholeOrder()
    {
        var order = NewOrder("o-1") with
        {
            Status = SagaStatus.Compensating,
            Failure = "Inventory reservation failed: Stock reservation failed",
            FailureOutcome = CallOutcome.Unknown,
            FailureTimedOut = true,
            History = ImmutableArray.Create(
                new StepCall("payment", SagaAction.Reserve, CallOutcome.Succeeded, 2, T0, T0.AddMilliseconds(5), null),
                new StepCall("inventory", SagaAction.Reserve, CallOutcome.Pending, 0, T0.AddSeconds(1), null, null)),
            LeaseOwner = "replica-a",
            LeaseUntil = T0.AddSeconds(30),
            CompensationRounds = 3,
            NextAttemptAt = T0.AddMinutes(1),
        };

        (await Store.InsertAsync(order, CancellationToken.None)).Result.Should().Be(SagaWriteResult.Saved);
        var found = await Store.FindAsync("o-1", CancellationToken.None);

        // The lease's end and the next attempt are read on the reader's clock (PostgreSQL keeps them on
        // the database's): the same instant, give or take the moment between the write and the read.
        found.Should().BeEquivalentTo(order, options => options
            .Using<DateTimeOffset>(time => time.Subject.Should().BeCloseTo(time.Expectation, TimeSpan.FromSeconds(1)))
            .When(member => member.Path == nameof(Order.LeaseUntil) || member.Path == nameof(Order.NextAttemptAt)));
        found!.Version.Should().Be(0);
    }

    [Fact]
    public async Task Add_SameIdTwice_KeepsTheFirstAndReturnsIt()
    {
        await Store.InsertAsync(NewOrder("o-1"), CancellationToken.None);

        var existing = await Store.InsertAsync(NewOrder("o-1", quantity: 7), CancellationToken.None);

        existing.Result.Should().Be(SagaWriteResult.AlreadyExists);
        existing.Log.Details.Quantity.Should().Be(1);
        (await Store.FindAsync("o-1", CancellationToken.None))!.Details.Quantity.Should().Be(1);
    }

    [Fact]
    public async Task Update_WithTheCurrentVersion_SavesAndBumpsTheVersion()
    {
        var order = NewOrder("o-1");
        await Store.InsertAsync(order, CancellationToken.None);

        var saved = await Store.UpdateAsync(order with { Status = SagaStatus.Confirmed }, CancellationToken.None);

        saved.Result.Should().Be(SagaWriteResult.Saved);
        saved.Log.Version.Should().Be(1);
        var found = await Store.FindAsync("o-1", CancellationToken.None);
        found!.Status.Should().Be(SagaStatus.Confirmed);
        found.Version.Should().Be(1);
    }

    [Fact]
    public async Task Update_FromAStaleVersion_IsRefusedAndKeepsTheNewerState()
    {
        var order = NewOrder("o-1");
        await Store.InsertAsync(order, CancellationToken.None);
        await Store.UpdateAsync(order with { Status = SagaStatus.Confirmed }, CancellationToken.None);

        var stale = await Store.UpdateAsync(order with { Status = SagaStatus.Cancelled }, CancellationToken.None);

        stale.Result.Should().Be(SagaWriteResult.Conflict);
        (await Store.FindAsync("o-1", CancellationToken.None))!.Status.Should().Be(SagaStatus.Confirmed);
    }

    [Fact]
    public async Task Update_ManyWritersFromOneVersion_ExactlyOneWins()
    {
        var order = NewOrder("o-1");
        await Store.InsertAsync(order, CancellationToken.None);

        var attempts = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            Store.UpdateAsync(order with { LeaseOwner = $"replica-{i}" }, CancellationToken.None)));

        attempts.Count(write => write.Saved).Should().Be(1);
        attempts.Count(write => write.Result == SagaWriteResult.Conflict).Should().Be(9);
        (await Store.FindAsync("o-1", CancellationToken.None))!.Version.Should().Be(1);
    }

    [Fact]
    public async Task Find_UnknownId_IsNull() =>
        (await Store.FindAsync("nobody", CancellationToken.None)).Should().BeNull();

    [Fact]
    public async Task List_IsNewestFirst_FilteredByStatus_AndLimited()
    {
        await Store.InsertAsync(NewOrder("a", createdAt: T0), CancellationToken.None);
        await Store.InsertAsync(NewOrder("b", createdAt: T0.AddSeconds(1)) with { Status = SagaStatus.CompensationFailed }, CancellationToken.None);
        await Store.InsertAsync(NewOrder("c", createdAt: T0.AddSeconds(2)), CancellationToken.None);

        (await Store.ListAsync(null, 10, CancellationToken.None)).Select(o => o.OrderId).Should().Equal("c", "b", "a");
        (await Store.ListAsync(null, 2, CancellationToken.None)).Select(o => o.OrderId).Should().Equal("c", "b");
        (await Store.ListAsync(SagaStatus.CompensationFailed, 10, CancellationToken.None)).Select(o => o.OrderId).Should().Equal("b");
        (await Store.ListAsync(SagaStatus.Pending, 10, CancellationToken.None)).Select(o => o.OrderId).Should().Equal("c", "a");
    }

    [Fact]
    public async Task ListRecoverable_FindsOnlyUnfinishedUnleasedDueOrders_OldestFirst()
    {
        var now = T0.AddMinutes(10);
        await Store.InsertAsync(NewOrder("pending-expired", createdAt: T0.AddSeconds(2)) with { LeaseUntil = now.AddSeconds(-1) }, CancellationToken.None);
        await Store.InsertAsync(NewOrder("pending-unleased", createdAt: T0.AddSeconds(1)), CancellationToken.None);
        await Store.InsertAsync(NewOrder("pending-leased") with { LeaseUntil = now.AddSeconds(1) }, CancellationToken.None);
        await Store.InsertAsync(NewOrder("compensating-due", createdAt: T0.AddSeconds(3)) with { Status = SagaStatus.Compensating, NextAttemptAt = now }, CancellationToken.None);
        await Store.InsertAsync(NewOrder("compensating-later") with { Status = SagaStatus.Compensating, NextAttemptAt = now.AddSeconds(1) }, CancellationToken.None);
        await Store.InsertAsync(NewOrder("confirmed") with { Status = SagaStatus.Confirmed }, CancellationToken.None);
        await Store.InsertAsync(NewOrder("failed") with { Status = SagaStatus.CompensationFailed }, CancellationToken.None);

        var due = await Store.ListRecoverableAsync(now, 10, CancellationToken.None);

        due.Select(o => o.OrderId).Should().Equal("pending-unleased", "pending-expired", "compensating-due");
    }

    [Fact]
    public async Task ListRecoverable_FollowsEveryWrite_AnEndedOrderLeavesIt_AnOperatorsRetryBringsOneBack()
    {
        var now = T0.AddMinutes(10);
        var confirmed = NewOrder("pending-then-confirmed");
        var retried = NewOrder("failed-then-retried") with { Status = SagaStatus.CompensationFailed };
        await Store.InsertAsync(confirmed, CancellationToken.None);
        await Store.InsertAsync(retried, CancellationToken.None);
        (await Store.ListRecoverableAsync(now, 10, CancellationToken.None)).Select(o => o.OrderId).Should().Equal("pending-then-confirmed");

        await Store.UpdateAsync(confirmed with { Status = SagaStatus.Confirmed }, CancellationToken.None);
        await Store.UpdateAsync(retried with { Status = SagaStatus.Compensating }, CancellationToken.None);

        (await Store.ListRecoverableAsync(now, 10, CancellationToken.None)).Select(o => o.OrderId).Should().Equal("failed-then-retried");
    }

    [Fact]
    public async Task CountByStatus_CountsEachStatus_AndFollowsUpdatesAndDeletions()
    {
        var before = T0; // only "c" ended before it
        var first = NewOrder("a");
        await Store.InsertAsync(first, CancellationToken.None);
        await Store.InsertAsync(NewOrder("b"), CancellationToken.None);
        await Store.InsertAsync(NewOrder("c") with { Status = SagaStatus.Cancelled, UpdatedAt = before.AddSeconds(-1) }, CancellationToken.None);
        (await Store.CountByStatusAsync(CancellationToken.None)).Should().BeEquivalentTo(
            new Dictionary<SagaStatus, long> { [SagaStatus.Pending] = 2, [SagaStatus.Cancelled] = 1 });

        await Store.UpdateAsync(first with { Status = SagaStatus.Confirmed }, CancellationToken.None);
        await Store.UpdateAsync(first with { Status = SagaStatus.Cancelled }, CancellationToken.None); // stale: refused, counts nothing
        await Store.DeleteExpiredAsync(before, 10, CancellationToken.None);

        (await Store.CountByStatusAsync(CancellationToken.None)).Should().BeEquivalentTo(
            new Dictionary<SagaStatus, long> { [SagaStatus.Pending] = 1, [SagaStatus.Confirmed] = 1 },
            "a status no order has any more is left out");
    }

    [Fact]
    public async Task DeleteExpired_RemovesOnlyOrdersThatEndedBeforeTheMoment_InBatches()
    {
        var before = T0.AddDays(30);
        foreach (var (id, status) in new[] { ("confirmed-old", SagaStatus.Confirmed), ("cancelled-old", SagaStatus.Cancelled), ("confirmed-old-2", SagaStatus.Confirmed),
            ("failed-old", SagaStatus.CompensationFailed), ("compensating-old", SagaStatus.Compensating), ("pending-old", SagaStatus.Pending) })
        {
            await Store.InsertAsync(NewOrder(id) with { Status = status, UpdatedAt = before.AddSeconds(-1) }, CancellationToken.None);
        }
        await Store.InsertAsync(NewOrder("confirmed-new") with { Status = SagaStatus.Confirmed, UpdatedAt = before }, CancellationToken.None);

        var first = await Store.DeleteExpiredAsync(before, 2, CancellationToken.None);
        var second = await Store.DeleteExpiredAsync(before, 2, CancellationToken.None);

        (first, second).Should().Be((2, 1));
        var left = await Store.ListAsync(null, 100, CancellationToken.None);
        left.Select(o => o.OrderId).Should().BeEquivalentTo(["failed-old", "compensating-old", "pending-old", "confirmed-new"],
            "only what has ended for good goes; compensation_failed waits for an operator");
    }

    [Fact]
    public async Task Initialize_Again_IsHarmlessAndKeepsTheOrders()
    {
        await Store.InsertAsync(NewOrder("o-1"), CancellationToken.None);

        await Store.InitializeAsync(CancellationToken.None);
        await Store.PingAsync(CancellationToken.None);

        (await Store.FindAsync("o-1", CancellationToken.None)).Should().NotBeNull();
    }

    protected static Order NewOrder(string id, int quantity = 1, DateTimeOffset? createdAt = null) =>
        Order.Begin(new OrderDetails(id, 10.25m, "SKU-1", quantity, "2024-05-20T10:00", false, true, false), createdAt ?? T0);
}
