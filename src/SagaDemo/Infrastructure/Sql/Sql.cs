using System.Data.Common;

namespace SagaDemo.Infrastructure.Sql;

/// <summary>What the SQL stores share: parameters, one-off statements and the schema migrations.</summary>
public static class Sql
{
    public static void Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    /// <summary>Sets a parameter, adding it the first time: a command prepared once keeps its parameters between runs.</summary>
    public static void Set(DbCommand command, string name, object? value)
    {
        var index = command.Parameters.IndexOf(name);
        if (index < 0)
        {
            Add(command, name, value);
        }
        else
        {
            command.Parameters[index].Value = value ?? DBNull.Value;
        }
    }

    public static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task<object?> ScalarAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary>
    /// Brings a schema up to date: each migration runs once, in order, recorded in
    /// <paramref name="table"/>; add new ones at the end. Safe to run on every start, and by several
    /// replicas at once where the dialect has a migration lock.
    /// </summary>
    public static async Task MigrateAsync(SqlDialect dialect, DbConnection connection, string table, string[] migrations, CancellationToken cancellationToken)
    {
        if (dialect.InitializeSql is { } setup)
        {
            await ExecuteAsync(connection, null, setup, cancellationToken);
        }
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (dialect.MigrationLock is { } lockSql)
        {
            // Several replicas may start at once: one migrates, the others wait and then find it done.
            await ExecuteAsync(connection, transaction, lockSql, cancellationToken);
        }
        await ExecuteAsync(connection, transaction, $"CREATE TABLE IF NOT EXISTS {table} (version INTEGER PRIMARY KEY)", cancellationToken);
        var applied = Convert.ToInt32(await ScalarAsync(connection, transaction, $"SELECT COUNT(*) FROM {table}", cancellationToken));
        for (var version = applied; version < migrations.Length; version++)
        {
            await ExecuteAsync(connection, transaction, migrations[version], cancellationToken);
            await ExecuteAsync(connection, transaction, $"INSERT INTO {table} (version) VALUES ({version + 1})", cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>True for the failures that mean the database cannot be reached or used, as opposed to a bug.</summary>
    public static bool IsUnavailable(Exception ex) => ex is DbException or IOException or UnauthorizedAccessException;

    /// <summary>True when the database could not write for lack of space: SQLite's SQLITE_FULL (13), PostgreSQL's disk_full (53100).</summary>
    public static bool IsOutOfSpace(Exception ex) =>
        ex is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 13 } or Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.DiskFull };
}
