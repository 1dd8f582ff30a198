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

    /// <summary>SQL run once at start-up, before the migrations (outside their transaction).</summary>
    public virtual string? InitializeSql => null;

    /// <summary>Makes what the database needs before its first connection (SQLite: the file's folder).</summary>
    public virtual void Prepare()
    {
    }

    public abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Runs one write (its own transaction) and returns the rows it changed.</summary>
    public virtual async Task<int> ExecuteWriteAsync(string sql, Action<DbCommand> bind, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        bind(command);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
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

    // SQLite takes one writer at a time: writers queue here, in process, and share one connection
    // whose statements are prepared once. That is far cheaper than a pooled connection per write
    // (open, pragmas, parse) racing for the file lock.
    private readonly SemaphoreSlim writerGate = new(1, 1);
    private readonly Dictionary<string, DbCommand> prepared = new(StringComparer.Ordinal);
    private DbConnection? writer;

    public override string Name => $"SQLite {DataSource}";

    public override void Prepare()
    {
        if (Path.GetDirectoryName(Path.GetFullPath(DataSource)) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }
    }

    // WAL is a property of the file: set once, it stays.
    public override string InitializeSql => "PRAGMA journal_mode = WAL";

    public override async Task<int> ExecuteWriteAsync(string sql, Action<DbCommand> bind, CancellationToken cancellationToken)
    {
        await writerGate.WaitAsync(cancellationToken);
        try
        {
            writer ??= await OpenAsync(cancellationToken);
            if (!prepared.TryGetValue(sql, out var command))
            {
                command = writer.CreateCommand();
                command.CommandText = sql;
                prepared[sql] = command;
            }
            command.Parameters.Clear();
            bind(command);
            return await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (SqliteException)
        {
            // Start afresh on the next write rather than reuse a connection in an unknown state.
            foreach (var command in prepared.Values)
            {
                await command.DisposeAsync();
            }
            prepared.Clear();
            if (writer is not null)
            {
                await writer.DisposeAsync();
                writer = null;
            }
            throw;
        }
        finally
        {
            writerGate.Release();
        }
    }

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 10000;";
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
