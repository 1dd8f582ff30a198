using Microsoft.Extensions.Time.Testing;
using Npgsql;
using SagaDemo.Infrastructure.Sql;
using SagaDemo.Infrastructure.Storage;
using SagaDemo.Orders;
using SagaDemo.Tests.Infrastructure;

namespace SagaDemo.Tests.Storage;

public sealed class InMemoryOrderStoreTests : OrderStoreContract
{
    protected override Task<IOrderStore> CreateStoreAsync() => Task.FromResult<IOrderStore>(new InMemoryOrderStore());
}

public sealed class SqliteOrderStoreTests : OrderStoreContract
{
    private readonly TestSqliteFolder folder = new();

    private string ConnectionString => folder.ConnectionString("orders.db");

    protected override Task<IOrderStore> CreateStoreAsync() =>
        Task.FromResult<IOrderStore>(new SqlOrderStore(new SqliteDialect(ConnectionString)));

    public override Task DisposeAsync()
    {
        folder.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Orders_SurviveANewStoreOnTheSameFile_InWalMode()
    {
        await Store.InsertAsync(NewOrder("kept"), CancellationToken.None);

        var reopened = new SqlOrderStore(new SqliteDialect(ConnectionString));
        await reopened.InitializeAsync(CancellationToken.None);

        (await reopened.FindAsync("kept", CancellationToken.None)).Should().NotBeNull();
        File.Exists(Path.Combine(folder.Path, "data", "orders.db-wal")).Should().BeTrue("the store runs in WAL mode");
    }

    [Theory]
    [InlineData(null, 2L)]
    [InlineData("full", 2L)]
    [InlineData("normal", 1L)]
    public async Task Writes_AreSyncedToDiskBeforeTheyAreAnswered_UnlessNormalIsChosen(string? setting, long expected)
    {
        var dialect = setting is null ? new SqliteDialect(ConnectionString) : new SqliteDialect(ConnectionString, setting);

        // The connection that commits: SQLite's synchronous setting is per connection (FULL = 2, NORMAL = 1).
        var synchronous = await dialect.InTransactionAsync(async (connection, transaction) =>
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "PRAGMA synchronous";
            return (long)(await command.ExecuteScalarAsync())!;
        }, CancellationToken.None);

        synchronous.Should().Be(expected);
    }

    [Fact]
    public async Task AnUnreachableFile_IsReportedAsStoreUnavailable()
    {
        File.WriteAllText(Path.Combine(folder.Path, "not-a-folder"), "");
        var store = new SqlOrderStore(new SqliteDialect($"Data Source={Path.Combine(folder.Path, "not-a-folder", "orders.db")}"));

        var initialize = () => store.InitializeAsync(CancellationToken.None);

        await initialize.Should().ThrowAsync<StoreUnavailableException>().WithMessage("*cannot be reached*");
    }
}

/// <summary>Runs against the PostgreSQL server that ./test.sh starts (SAGA_TEST_POSTGRES), one database per test.</summary>
[Trait("Store", "postgres")]
public sealed class PostgresOrderStoreTests : OrderStoreContract
{
    private TestPostgresDatabase? database;

    protected override async Task<IOrderStore> CreateStoreAsync()
    {
        database = await TestPostgresDatabase.CreateAsync("orders");
        return new SqlOrderStore(new PostgresDialect(database.DataSource));
    }

    public override async Task DisposeAsync()
    {
        if (database is not null)
        {
            await database.DisposeAsync();
        }
    }

    [Fact]
    public async Task Initialize_FromSeveralReplicasAtOnce_MigratesOnce()
    {
        var replicas = Enumerable.Range(0, 4).Select(_ => new SqlOrderStore(new PostgresDialect(database!.DataSource)));

        await Task.WhenAll(replicas.Select(r => r.InitializeAsync(CancellationToken.None)));

        await using var count = database!.DataSource.CreateCommand("SELECT COUNT(*) FROM schema_migrations");
        Convert.ToInt32(await count.ExecuteScalarAsync()).Should().Be(3, "each of the three migrations ran once");
    }

    [Fact]
    public async Task ALeaseIsJudgedOnTheDatabasesClock_NotOnAReplicaWhoseClockRunsAhead()
    {
        var (driver, onTime) = await ReplicaAsync(TimeSpan.Zero);
        var (replicaAhead, ahead) = await ReplicaAsync(TimeSpan.FromHours(1));
        // The replica on the database's time drives the order: its lease runs 30 s from its now.
        await driver.InsertAsync(NewOrder("driven") with { LeaseOwner = "replica-a", LeaseUntil = onTime.GetUtcNow().AddSeconds(30) }, CancellationToken.None);

        var due = await replicaAhead.ListRecoverableAsync(ahead.GetUtcNow(), 10, CancellationToken.None);
        var seen = await replicaAhead.FindAsync("driven", CancellationToken.None);

        due.Should().BeEmpty("the lease has 30 s left on the database's clock, whatever the other replica's clock says");
        seen!.LeaseUntil.Should().BeCloseTo(ahead.GetUtcNow().AddSeconds(30), TimeSpan.FromSeconds(5), "read on the reader's clock");
    }

    [Fact]
    public async Task AnExpiredLease_IsTakenOverByAReplicaWhoseClockRunsBehind()
    {
        var (driver, onTime) = await ReplicaAsync(TimeSpan.Zero);
        var (replicaBehind, behind) = await ReplicaAsync(TimeSpan.FromHours(-1));
        await driver.InsertAsync(NewOrder("abandoned") with { LeaseOwner = "replica-a", LeaseUntil = onTime.GetUtcNow().AddSeconds(-1) }, CancellationToken.None);

        var due = await replicaBehind.ListRecoverableAsync(behind.GetUtcNow(), 10, CancellationToken.None);

        due.Select(o => o.OrderId).Should().Equal("abandoned");
    }

    /// <summary>A replica on this database whose (fake) clock is the database's own, read from it, moved by <paramref name="skew"/>.</summary>
    private async Task<(SqlOrderStore Store, FakeTimeProvider Clock)> ReplicaAsync(TimeSpan skew)
    {
        await using var now = database!.DataSource.CreateCommand("SELECT clock_timestamp()");
        var clock = new FakeTimeProvider(new DateTimeOffset((DateTime)(await now.ExecuteScalarAsync())!, TimeSpan.Zero) + skew);
        return (new SqlOrderStore(new PostgresDialect(database.DataSource), clock), clock);
    }
}
