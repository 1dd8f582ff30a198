using Npgsql;
using SagaDemo.Storage;

namespace SagaDemo.Tests.Storage;

public sealed class InMemoryOrderStoreTests : OrderStoreContract
{
    protected override Task<IOrderStore> CreateStoreAsync() => Task.FromResult<IOrderStore>(new InMemoryOrderStore());
}

public sealed class SqliteOrderStoreTests : OrderStoreContract
{
    private readonly string folder = Directory.CreateTempSubdirectory("sagademo-sqlite-").FullName;

    private string ConnectionString => $"Data Source={Path.Combine(folder, "data", "orders.db")}";

    protected override Task<IOrderStore> CreateStoreAsync() =>
        Task.FromResult<IOrderStore>(new SqlOrderStore(new SqliteDialect(ConnectionString)));

    public override Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Orders_SurviveANewStoreOnTheSameFile_InWalMode()
    {
        await Store.TryAddAsync(NewOrder("kept"), CancellationToken.None);

        var reopened = new SqlOrderStore(new SqliteDialect(ConnectionString));
        await reopened.InitializeAsync(CancellationToken.None);

        (await reopened.FindAsync("kept", CancellationToken.None)).Should().NotBeNull();
        File.Exists(Path.Combine(folder, "data", "orders.db-wal")).Should().BeTrue("the store runs in WAL mode");
    }

    [Fact]
    public async Task AnUnreachableFile_IsReportedAsStoreUnavailable()
    {
        File.WriteAllText(Path.Combine(folder, "not-a-folder"), "");
        var store = new SqlOrderStore(new SqliteDialect($"Data Source={Path.Combine(folder, "not-a-folder", "orders.db")}"));

        var initialize = () => store.InitializeAsync(CancellationToken.None);

        await initialize.Should().ThrowAsync<StoreUnavailableException>().WithMessage("*cannot be reached*");
    }
}

/// <summary>Runs against the PostgreSQL server that ./test.sh starts (SAGA_TEST_POSTGRES), one database per test.</summary>
[Trait("Store", "postgres")]
public sealed class PostgresOrderStoreTests : OrderStoreContract
{
    private readonly string database = $"orders_{Guid.NewGuid():N}";
    private NpgsqlDataSource? dataSource;

    protected override async Task<IOrderStore> CreateStoreAsync()
    {
        var admin = Environment.GetEnvironmentVariable("SAGA_TEST_POSTGRES")
            ?? throw new InvalidOperationException("SAGA_TEST_POSTGRES is not set: run ./test.sh, which starts PostgreSQL for these tests.");
        await using (var server = NpgsqlDataSource.Create(admin))
        {
            await using var create = server.CreateCommand($"CREATE DATABASE {database}");
            await create.ExecuteNonQueryAsync();
        }
        dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(admin) { Database = database }.ConnectionString);
        return new SqlOrderStore(new PostgresDialect(dataSource));
    }

    public override async Task DisposeAsync()
    {
        if (dataSource is not null)
        {
            await dataSource.DisposeAsync();
            NpgsqlConnection.ClearAllPools();
            await using var server = NpgsqlDataSource.Create(Environment.GetEnvironmentVariable("SAGA_TEST_POSTGRES")!);
            await using var drop = server.CreateCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
            await drop.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task Initialize_FromSeveralReplicasAtOnce_MigratesOnce()
    {
        var replicas = Enumerable.Range(0, 4).Select(_ => new SqlOrderStore(new PostgresDialect(dataSource!)));

        await Task.WhenAll(replicas.Select(r => r.InitializeAsync(CancellationToken.None)));

        await using var count = dataSource!.CreateCommand("SELECT COUNT(*) FROM schema_migrations");
        Convert.ToInt32(await count.ExecuteScalarAsync()).Should().Be(1);
    }
}
