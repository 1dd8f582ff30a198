using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace SagaDemo.Storage;

/// <summary>What differs between the SQL databases the order store runs on.</summary>
public abstract class SqlDialect
{
    public abstract string Name { get; }

    /// <summary>SQL that serialises concurrent migrations inside their transaction, if the database needs it.</summary>
    public virtual string? MigrationLock => null;

    /// <summary>Makes what the database needs before its first connection (SQLite: the file's folder).</summary>
    public virtual void Prepare()
    {
    }

    public abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);
}

/// <summary>
/// SQLite: one file, WAL mode (readers never wait for the writer), synchronous=NORMAL (a commit
/// survives a crash of the process; after a power cut the last commits may be lost). One replica only.
/// </summary>
public sealed class SqliteDialect : SqlDialect
{
    private readonly string connectionString;

    public SqliteDialect(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString) { Pooling = true };
        this.connectionString = builder.ToString();
        DataSource = builder.DataSource;
    }

    public string DataSource { get; }

    public override string Name => $"SQLite {DataSource}";

    public override void Prepare()
    {
        if (Path.GetDirectoryName(Path.GetFullPath(DataSource)) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }
    }

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 10000;";
        await pragma.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }
}

/// <summary>PostgreSQL: for several orchestrator replicas sharing one store.</summary>
public sealed class PostgresDialect(NpgsqlDataSource dataSource) : SqlDialect
{
    public override string Name => $"PostgreSQL {dataSource.ConnectionString.Split(';').FirstOrDefault(p => p.StartsWith("Host", StringComparison.OrdinalIgnoreCase))}";

    public override string MigrationLock => "SELECT pg_advisory_xact_lock(727100)";

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await dataSource.OpenConnectionAsync(cancellationToken);
}
