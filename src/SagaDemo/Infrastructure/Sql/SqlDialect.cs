using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace SagaDemo.Infrastructure.Sql;

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

    /// <summary>
    /// SQL for the database's own clock in Unix milliseconds, where several hosts share the database
    /// and so their clocks must not be compared with each other; null where one host owns it (SQLite).
    /// </summary>
    public virtual string? DatabaseNow => null;

    /// <summary>
    /// A write that needs as much new space as any real one, run by readiness after a write failed
    /// for lack of space; null where the store's own small probe write tells as much.
    /// </summary>
    public virtual string? SpaceProbeSql => null;

    /// <summary>
    /// SQL that takes a lock on the text <c>@key</c> until the transaction ends, so that transactions
    /// touching the same key run one after the other; null where <see cref="InTransactionAsync"/>
    /// already runs every transaction alone.
    /// </summary>
    public virtual string? KeyLockSql => null;

    /// <summary>
    /// Why writes fail for lack of space (SQLite's SQLITE_FULL, PostgreSQL's 53100 disk_full) since
    /// the last write that failed so; null once a write succeeds again. Readiness reports it.
    /// </summary>
    public string? OutOfSpace => Volatile.Read(ref outOfSpace);

    private string? outOfSpace;

    /// <summary>Runs <paramref name="work"/> in one transaction and commits it (a read-modify-write).</summary>
    public Task<T> InTransactionAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken) =>
        WatchSpaceAsync(() => RunTransactionAsync(work, cancellationToken));

    /// <summary>Runs one write (its own transaction) and returns the rows it changed.</summary>
    public Task<int> ExecuteWriteAsync(string sql, Action<DbCommand> bind, CancellationToken cancellationToken) =>
        WatchSpaceAsync(() => RunWriteAsync(sql, bind, cancellationToken));

    private async Task<T> WatchSpaceAsync<T>(Func<Task<T>> write)
    {
        try
        {
            var result = await write();
            if (outOfSpace is not null)
            {
                Volatile.Write(ref outOfSpace, null);
            }
            return result;
        }
        catch (Exception ex) when (Sql.IsOutOfSpace(ex))
        {
            Volatile.Write(ref outOfSpace, ex.Message);
            throw;
        }
    }

    protected virtual async Task<T> RunTransactionAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var result = await work(connection, transaction);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    protected virtual async Task<int> RunWriteAsync(string sql, Action<DbCommand> bind, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        bind(command);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>
/// SQLite: one file, WAL mode (readers never wait for the writer), synchronous=FULL by default (a
/// commit is on disk before it is answered: it survives a power cut; NORMAL, if chosen, survives a
/// crash of the process only). One replica only.
/// </summary>
public sealed class SqliteDialect : SqlDialect
{
    private readonly string connectionString;

    // SQLite takes one writer at a time: one group-commit loop on one connection set up once.
    private readonly GroupCommitWriter writer;

    private readonly string synchronous;

    public SqliteDialect(string connectionString, string synchronous = "full")
    {
        this.synchronous = synchronous.Equals("normal", StringComparison.OrdinalIgnoreCase) ? "NORMAL" : "FULL";
        var builder = new SqliteConnectionStringBuilder(connectionString) { Pooling = true };
        this.connectionString = builder.ToString();
        DataSource = builder.DataSource;
        writer = new GroupCommitWriter(OpenWriterAsync);
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

    // WAL is a property of the file: set once, it stays. space_probe: see SpaceProbeSql.
    public override string InitializeSql => "PRAGMA journal_mode = WAL; CREATE TABLE IF NOT EXISTS space_probe (id INTEGER PRIMARY KEY, pad BLOB)";

    // 64 KiB, more than any order or reservation write: a failed write leaves part of the WAL it
    // grew behind, and a tiny probe would fit there while the next real write still fails.
    public override string SpaceProbeSql =>
        "INSERT INTO space_probe (id, pad) VALUES (1, zeroblob(65536)) ON CONFLICT (id) DO UPDATE SET pad = excluded.pad";

    protected override Task<int> RunWriteAsync(string sql, Action<DbCommand> bind, CancellationToken cancellationToken) =>
        writer.ExecuteAsync(sql, bind, cancellationToken);

    // Read-modify-write transactions (the participants' reservations) run one at a time, in process:
    // SQLite has one writer anyway, and so no two of them can interleave their reads and writes. They
    // share one connection, set up once like the group-commit writer's; a failure starts a fresh one.
    private readonly SemaphoreSlim transactionGate = new(1, 1);
    private DbConnection? transactionConnection;

    protected override async Task<T> RunTransactionAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await transactionGate.WaitAsync(cancellationToken);
        try
        {
            transactionConnection ??= await OpenWriterAsync();
            await using var transaction = await transactionConnection.BeginTransactionAsync(cancellationToken);
            var result = await work(transactionConnection, transaction);
            await transaction.CommitAsync(cancellationToken);
            return result;
        }
        catch
        {
            if (transactionConnection is not null)
            {
                await transactionConnection.DisposeAsync();
                transactionConnection = null;
            }
            throw;
        }
        finally
        {
            transactionGate.Release();
        }
    }

    // Readers take pooled connections as they are (Microsoft.Data.Sqlite retries a busy database itself).
    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    // The writer's settings are made once, on the one connection that commits. The WAL keeps its size
    // after a checkpoint and is overwritten in place (cutting it back, journal_size_limit = 0, made each
    // commit grow the file again: 0.71 × the throughput with synchronous=FULL, bench/README.md). So on a
    // full volume, commits go on into that space until the WAL must grow; the first that cannot fails
    // with SQLITE_FULL, and readiness reports it from then on.
    private async Task<DbConnection> OpenWriterAsync()
    {
        var connection = await OpenAsync(CancellationToken.None);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = $"PRAGMA synchronous = {synchronous}; PRAGMA busy_timeout = 10000;";
        await pragma.ExecuteNonQueryAsync();
        return connection;
    }
}

/// <summary>
/// PostgreSQL: for several orchestrator replicas sharing one store. Each replica groups its writes
/// into commits like SQLite (one writer loop and connection: more loops measured slower, see the
/// README's Benchmark); a batch that deadlocked with another replica's runs again.
/// </summary>
public sealed class PostgresDialect(NpgsqlDataSource dataSource) : SqlDialect
{
    private readonly GroupCommitWriter writer = new(async () => await dataSource.OpenConnectionAsync(),
        ex => ex is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure });

    protected override Task<int> RunWriteAsync(string sql, Action<DbCommand> bind, CancellationToken cancellationToken) =>
        writer.ExecuteAsync(sql, bind, cancellationToken);

    public override string Name => $"PostgreSQL {dataSource.ConnectionString.Split(';').FirstOrDefault(p => p.StartsWith("Host", StringComparison.OrdinalIgnoreCase))}";

    public override string MigrationLock => "SELECT pg_advisory_xact_lock(727100)";

    public override string KeyLockSql => "SELECT pg_advisory_xact_lock(hashtext(@key))";

    public override string DatabaseNow => "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await dataSource.OpenConnectionAsync(cancellationToken);
}
