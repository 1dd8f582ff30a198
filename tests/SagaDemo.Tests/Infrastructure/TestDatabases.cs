using Npgsql;

namespace SagaDemo.Tests.Infrastructure;

/// <summary>A fresh database on the PostgreSQL server that ./test.sh starts (SAGA_TEST_POSTGRES), dropped afterwards.</summary>
public sealed class TestPostgresDatabase : IAsyncDisposable
{
    private readonly string admin;
    private readonly string name;

    private TestPostgresDatabase(string admin, string name, NpgsqlDataSource dataSource)
    {
        this.admin = admin;
        this.name = name;
        DataSource = dataSource;
    }

    public NpgsqlDataSource DataSource { get; }

    public static async Task<TestPostgresDatabase> CreateAsync(string prefix)
    {
        var admin = Environment.GetEnvironmentVariable("SAGA_TEST_POSTGRES")
            ?? throw new InvalidOperationException("SAGA_TEST_POSTGRES is not set: run ./test.sh, which starts PostgreSQL for these tests.");
        var name = $"{prefix}_{Guid.NewGuid():N}";
        await using (var server = NpgsqlDataSource.Create(admin))
        {
            await using var create = server.CreateCommand($"CREATE DATABASE {name}");
            await create.ExecuteNonQueryAsync();
        }
        var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString);
        return new TestPostgresDatabase(admin, name, dataSource);
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var server = NpgsqlDataSource.Create(admin);
        await using var drop = server.CreateCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        await drop.ExecuteNonQueryAsync();
    }
}

/// <summary>A temporary folder for SQLite files, removed afterwards.</summary>
public sealed class TestSqliteFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("sagademo-sqlite-").FullName;

    public string ConnectionString(string file) => $"Data Source={System.IO.Path.Combine(Path, "data", file)}";

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(Path, recursive: true);
    }
}
