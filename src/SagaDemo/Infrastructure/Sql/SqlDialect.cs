using System.Data.Common;
using System.Threading.Channels;
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
    /// SQL that takes a lock on the text <c>@key</c> until the transaction ends, so that transactions
    /// touching the same key run one after the other; null where <see cref="InTransactionAsync"/>
    /// already runs every transaction alone.
    /// </summary>
    public virtual string? KeyLockSql => null;

    /// <summary>Runs <paramref name="work"/> in one transaction and commits it (a read-modify-write).</summary>
    public virtual async Task<T> InTransactionAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var result = await work(connection, transaction);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

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

    // SQLite takes one writer at a time. Writes queue here, in process, and one writer drains the
    // queue on a single connection with statements prepared once, committing every write waiting
    // at that moment in one transaction (a group commit): under load one commit serves many sagas,
    // and each write's caller hears back only after the commit that made it durable.
    private const int MaxBatch = 64;
    private readonly Channel<PendingWrite> queue = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, DbCommand> prepared = new(StringComparer.Ordinal);
    private readonly Lock startGate = new();
    private Task? writerLoop;
    private DbConnection? writer;

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

    // WAL is a property of the file: set once, it stays.
    public override string InitializeSql => "PRAGMA journal_mode = WAL";

    public override Task<int> ExecuteWriteAsync(string sql, Action<DbCommand> bind, CancellationToken cancellationToken)
    {
        lock (startGate)
        {
            writerLoop ??= Task.Run(WriteLoopAsync, CancellationToken.None);
        }
        var write = new PendingWrite(sql, bind, new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously));
        queue.Writer.TryWrite(write);
        return write.Done.Task.WaitAsync(cancellationToken);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<PendingWrite>(MaxBatch);
        while (await queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && queue.Reader.TryRead(out var write))
            {
                batch.Add(write);
            }

            try
            {
                writer ??= await OpenWriterAsync();
                await using var transaction = await writer.BeginTransactionAsync();
                var changed = new int[batch.Count];
                for (var i = 0; i < batch.Count; i++)
                {
                    var command = Prepared(batch[i].Sql);
                    command.Transaction = transaction;
                    batch[i].Bind(command);
                    changed[i] = await command.ExecuteNonQueryAsync();
                }
                await transaction.CommitAsync();
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Done.TrySetResult(changed[i]);
                }
            }
            catch (Exception ex)
            {
                // Nothing of the batch is committed: every caller hears so, and the next batch starts
                // on a fresh connection rather than one in an unknown state.
                await ResetWriterAsync();
                foreach (var write in batch)
                {
                    write.Done.TrySetException(ex);
                }
            }
        }
    }

    private DbCommand Prepared(string sql)
    {
        if (!prepared.TryGetValue(sql, out var command))
        {
            command = writer!.CreateCommand();
            command.CommandText = sql;
            prepared[sql] = command;
        }
        return command;
    }

    private async Task ResetWriterAsync()
    {
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
    }

    // Read-modify-write transactions (the participants' reservations) run one at a time, in process:
    // SQLite has one writer anyway, and so no two of them can interleave their reads and writes. They
    // share one connection, set up once like the group-commit writer's; a failure starts a fresh one.
    private readonly SemaphoreSlim transactionGate = new(1, 1);
    private DbConnection? transactionConnection;

    public override async Task<T> InTransactionAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
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

    // The writer's settings are made once, on the one connection that commits.
    private async Task<DbConnection> OpenWriterAsync()
    {
        var connection = await OpenAsync(CancellationToken.None);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 10000;";
        await pragma.ExecuteNonQueryAsync();
        return connection;
    }
}

internal sealed record PendingWrite(string Sql, Action<DbCommand> Bind, TaskCompletionSource<int> Done);

/// <summary>PostgreSQL: for several orchestrator replicas sharing one store.</summary>
public sealed class PostgresDialect(NpgsqlDataSource dataSource) : SqlDialect
{
    public override string Name => $"PostgreSQL {dataSource.ConnectionString.Split(';').FirstOrDefault(p => p.StartsWith("Host", StringComparison.OrdinalIgnoreCase))}";

    public override string MigrationLock => "SELECT pg_advisory_xact_lock(727100)";

    public override string KeyLockSql => "SELECT pg_advisory_xact_lock(hashtext(@key))";

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await dataSource.OpenConnectionAsync(cancellationToken);
}
