using System.Data.Common;
using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SagaDemo.Contracts;
using SagaDemo.Hosting;
using SagaDemo.Infrastructure.Sql;
using SagaDemo.Infrastructure.Storage;
using SagaDemo.Orders;
using SagaDemo.Participants;
using SagaDemo.Tests.Infrastructure;

namespace SagaDemo.Tests.Storage;

/// <summary>
/// A full volume: the write that finds no space fails as SQLite fails it (SQLITE_FULL), readiness
/// says so until a write goes through again, and new orders get a 503 with nothing half-written.
/// (tests/faults fills a real filesystem under the running processes.)
/// </summary>
public sealed class OutOfSpaceTests : IDisposable
{
    private readonly TestSqliteFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task ANewOrder_OnAFullVolume_Is503AndRecordsNothing_AndReadinessSaysWhyUntilSpaceIsBack()
    {
        var volume = new FillableVolume(folder.ConnectionString("orders.db"));
        using var system = new SagaSystem(orchestratorServices: s => s.AddSingleton<IOrderStore>(new SqlOrderStore(volume)));
        (await system.PlaceAsync(SagaSystem.NewOrder("before"))).StatusCode.Should().Be(HttpStatusCode.Created);
        var callsBefore = system.Calls.Posts.Count;

        volume.Full = true;
        var refused = await system.PlaceAsync(SagaSystem.NewOrder("while-full"));
        var ready = await system.Client.GetAsync("/health");

        refused.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        var problem = await refused.ReadJsonAsync();
        problem["title"]!.GetValue<string>().Should().Be("Store out of space");
        problem.ToJsonString().Should().NotContain("SQLite").And.NotContain(folder.Path);
        (await system.Client.GetAsync("/orders/while-full")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        system.Calls.Posts.Count.Should().Be(callsBefore, "no participant is called for an order that could not be recorded");
        ready.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        var health = await ready.ReadJsonAsync();
        health["checks"]!["order_store"]!.GetValue<string>().Should().Be("unhealthy");
        health["reasons"]!["order_store"]!.GetValue<string>().Should().Be("out of space");
        (await system.Client.GetAsync("/health/live")).StatusCode.Should().Be(HttpStatusCode.OK);

        volume.Full = false;
        var readyAgain = await system.Client.GetAsync("/health");
        var retried = await system.PlaceAsync(SagaSystem.NewOrder("while-full"));

        readyAgain.StatusCode.Should().Be(HttpStatusCode.OK);
        (await readyAgain.ReadJsonAsync())["reasons"].Should().BeNull();
        retried.StatusCode.Should().Be(HttpStatusCode.Created);
    }

    [Fact]
    public async Task AParticipantsFullVolume_MakesItsReadinessFail_UntilAWriteGoesThrough()
    {
        var volume = new FillableVolume(folder.ConnectionString("payment.db"));
        var store = new SqlReservationStore<PaymentReservationRequest>(volume, "payment", new PaymentRules(Options.Create(new PaymentOptions())), new FakeTimeProvider());
        await store.InitializeAsync(CancellationToken.None);
        var check = new StoreHealthCheck(store);

        volume.Full = true;
        var reserve = () => store.ReserveAsync(new PaymentReservationRequest("o-1", 10m), CancellationToken.None);
        (await reserve.Should().ThrowAsync<StoreUnavailableException>()).Which.OutOfSpace.Should().BeTrue();
        var whileFull = await check.CheckHealthAsync(new());
        volume.Full = false;
        var afterwards = await check.CheckHealthAsync(new());

        whileFull.Status.Should().Be(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy);
        whileFull.Description.Should().Contain("out of space").And.Contain("Free space");
        afterwards.Status.Should().Be(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy);
        (await store.FindAsync("o-1", CancellationToken.None)).Should().BeNull("the refused reserve wrote nothing");
    }

    [Fact]
    public void PostgreSqlsDiskFull_IsOutOfSpaceToo() =>
        Sql.IsOutOfSpace(new Npgsql.PostgresException("could not extend file", "ERROR", "ERROR", Npgsql.PostgresErrorCodes.DiskFull))
            .Should().BeTrue();

    /// <summary>A SQLite file whose volume fills up and empties on the test's word: writes then fail exactly as SQLite fails them.</summary>
    private sealed class FillableVolume(string connectionString) : SqlDialect
    {
        private readonly SqliteDialect sqlite = new(connectionString);

        public volatile bool Full;

        public override string Name => sqlite.Name;

        public override string? InitializeSql => sqlite.InitializeSql;

        public override void Prepare() => sqlite.Prepare();

        public override Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => sqlite.OpenAsync(cancellationToken);

        protected override Task<int> RunWriteAsync(string sql, Action<DbCommand> bind, CancellationToken cancellationToken) =>
            Full ? throw DiskFull() : sqlite.ExecuteWriteAsync(sql, bind, cancellationToken);

        protected override Task<T> RunTransactionAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken) =>
            Full ? throw DiskFull() : sqlite.InTransactionAsync(work, cancellationToken);

        private static SqliteException DiskFull() => new("SQLite Error 13: 'database or disk is full'.", 13);
    }
}
