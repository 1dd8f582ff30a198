using System.Data.Common;
using System.Text.Json;
using SagaDemo.Infrastructure.Sql;
using SagaDemo.Infrastructure.Storage;
using SagaDemo.Saga;

namespace SagaDemo.Orders;

/// <summary>
/// Orders in a SQL database, one row each: the columns recovery searches by, and the whole order
/// as a JSON document. The same SQL runs on SQLite and PostgreSQL; <see cref="SqlDialect"/> holds
/// what differs (connections, the migration lock).
/// The times replicas compare — a lease's end, a compensation's next attempt — are kept on the
/// database's clock where the dialect has one (PostgreSQL, shared by replicas whose clocks may
/// differ): each replica's times are moved onto it as they are written and off it as they are read,
/// so a replica whose clock runs ahead cannot take over a saga another one still holds.
/// </summary>
public sealed class SqlOrderStore(SqlDialect dialect, TimeProvider clock) : IOrderStore
{
    public SqlOrderStore(SqlDialect dialect)
        : this(dialect, TimeProvider.System)
    {
    }

    // Each migration runs once, in order (Sql.MigrateAsync); add new ones at the end.
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE orders (
            order_id TEXT PRIMARY KEY,
            status TEXT NOT NULL,
            version BIGINT NOT NULL,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            lease_until BIGINT NULL,
            next_attempt_at BIGINT NULL,
            document TEXT NOT NULL
        );
        CREATE INDEX orders_by_created ON orders (created_at DESC, order_id DESC);
        CREATE INDEX orders_by_status ON orders (status, created_at DESC);
        CREATE INDEX orders_unfinished ON orders (created_at) WHERE status IN ('pending', 'compensating');
        """,
        // When the log began (one row, written by the first start: InitializeAsync).
        "CREATE TABLE saga_log (id INTEGER PRIMARY KEY, created_at BIGINT NOT NULL)",
        // Retention finds the ended orders by when they ended.
        "CREATE INDEX orders_ended ON orders (updated_at) WHERE status IN ('confirmed', 'cancelled')",
    ];

    // The statements depend on the dialect only: made once (every write looks its statement up by text).
    private string Columns => field ??= $"version, document, {ToOurClock("lease_until")}, {ToOurClock("next_attempt_at")}";

    private string InsertSql => field ??= $"""
        INSERT INTO orders (order_id, status, version, created_at, updated_at, lease_until, next_attempt_at, document)
        VALUES (@order_id, @status, @version, @created_at, @updated_at,
                {ToDatabaseClock("@lease_until")}, {ToDatabaseClock("@next_attempt_at")}, @document)
        ON CONFLICT (order_id) DO NOTHING
        """;

    private string UpdateSql => field ??= $"""
        UPDATE orders
        SET status = @status, version = @version + 1, updated_at = @updated_at,
            lease_until = {ToDatabaseClock("@lease_until")}, next_attempt_at = {ToDatabaseClock("@next_attempt_at")}, document = @document
        WHERE order_id = @order_id AND version = @version
        """;

    public string Description => "order store";

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken, prepare: true);
        await Sql.MigrateAsync(dialect, connection, "schema_migrations", Migrations, cancellationToken);
        // A log that already has orders began no later than its oldest one; an empty one begins now.
        await using var begin = connection.CreateCommand();
        begin.CommandText = """
            INSERT INTO saga_log (id, created_at) SELECT 1, COALESCE(MIN(created_at), @now) FROM orders WHERE TRUE
            ON CONFLICT (id) DO NOTHING
            """;
        Sql.Add(begin, "@now", clock.GetUtcNow().ToUnixTimeMilliseconds());
        await begin.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<DateTimeOffset> CreatedAtAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var milliseconds = await Sql.ScalarAsync(connection, null, "SELECT created_at FROM saga_log WHERE id = 1", cancellationToken);
        return DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(milliseconds));
    }

    public async Task PingAsync(CancellationToken cancellationToken)
    {
        await using (var connection = await OpenAsync(cancellationToken))
        {
            await Sql.ScalarAsync(connection, null, "SELECT 1", cancellationToken);
        }
        if (dialect.OutOfSpace is not null)
        {
            // The last write failed for lack of space: ready again only once a write goes through.
            await WriteAsync("the readiness probe", null, dialect.SpaceProbeSql ?? "UPDATE saga_log SET created_at = created_at WHERE id = 1", _ => { }, cancellationToken);
        }
    }

    public async Task<SagaWrite<OrderDetails>> InsertAsync(Order order, CancellationToken cancellationToken)
    {
        var added = await WriteAsync(order, InsertSql, cancellationToken);
        if (added)
        {
            return SagaWrite<OrderDetails>.Ok(order);
        }
        return SagaWrite<OrderDetails>.Exists(await FindAsync(order.OrderId, cancellationToken)
            ?? throw new InvalidOperationException($"Order {order.OrderId} could be neither added nor found."));
    }

    public async Task<SagaWrite<OrderDetails>> UpdateAsync(Order order, CancellationToken cancellationToken) =>
        await WriteAsync(order, UpdateSql, cancellationToken)
            ? SagaWrite<OrderDetails>.Ok(order with { Version = order.Version + 1 })
            : SagaWrite<OrderDetails>.Lost(order);

    public async Task<Order?> FindAsync(string orderId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM orders WHERE order_id = @order_id";
        Sql.Add(command, "@order_id", orderId);
        return (await ReadAsync(command, cancellationToken)).SingleOrDefault();
    }

    public async Task<IReadOnlyList<Order>> ListAsync(SagaStatus? status, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {Columns} FROM orders {(status is null ? "" : "WHERE status = @status")}
            ORDER BY created_at DESC, order_id DESC LIMIT @limit
            """;
        if (status is { } wanted)
        {
            Sql.Add(command, "@status", SagaStates.Name(wanted));
        }
        Sql.Add(command, "@limit", limit);
        return await ReadAsync(command, cancellationToken);
    }

    public async Task<IReadOnlyDictionary<SagaStatus, long>> CountByStatusAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT status, COUNT(*) FROM orders GROUP BY status";
        var counts = new Dictionary<SagaStatus, long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (SagaStates.TryParse(reader.GetString(0), out var status))
            {
                counts[status] = reader.GetInt64(1);
            }
        }
        return counts;
    }

    public async Task<IReadOnlyList<Order>> ListRecoverableAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {Columns} FROM orders
            WHERE status IN ('pending', 'compensating')
              AND (lease_until IS NULL OR lease_until < {ToDatabaseClock("@now")})
              AND (next_attempt_at IS NULL OR next_attempt_at <= {ToDatabaseClock("@now")})
            ORDER BY created_at LIMIT @limit
            """;
        Sql.Add(command, "@now", now.ToUnixTimeMilliseconds());
        Sql.Add(command, "@limit", limit);
        return await ReadAsync(command, cancellationToken);
    }

    public Task<int> DeleteExpiredAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken) =>
        WriteAsync("the deletion of ended orders", null, """
            DELETE FROM orders WHERE order_id IN (
                SELECT order_id FROM orders WHERE status IN ('confirmed', 'cancelled') AND updated_at < @before
                ORDER BY updated_at LIMIT @limit)
            """, command =>
            {
                Sql.Set(command, "@before", before.ToUnixTimeMilliseconds());
                Sql.Set(command, "@limit", limit);
            }, cancellationToken);

    private async Task<DbConnection> OpenAsync(CancellationToken cancellationToken, bool prepare = false)
    {
        try
        {
            if (prepare)
            {
                dialect.Prepare();
            }
            return await dialect.OpenAsync(cancellationToken);
        }
        catch (Exception ex) when (Sql.IsUnavailable(ex))
        {
            throw new StoreUnavailableException($"The order store ({dialect.Name}) cannot be reached: {ex.Message}", ex);
        }
    }

    /// <summary>Runs one write of an order (its own transaction); true if it changed a row.</summary>
    private async Task<bool> WriteAsync(Order order, string sql, CancellationToken cancellationToken)
    {
        var document = JsonSerializer.Serialize(order with { Version = 0 }, OrdersJsonContext.Default.Order);
        return await WriteAsync("order ", order.OrderId, sql, command =>
            {
                Sql.Set(command, "@order_id", order.OrderId);
                Sql.Set(command, "@status", SagaStates.Name(order.Status));
                Sql.Set(command, "@version", order.Version);
                Sql.Set(command, "@created_at", order.CreatedAt.ToUnixTimeMilliseconds());
                Sql.Set(command, "@updated_at", order.UpdatedAt.ToUnixTimeMilliseconds());
                Sql.Set(command, "@lease_until", order.LeaseUntil?.ToUnixTimeMilliseconds());
                Sql.Set(command, "@next_attempt_at", order.NextAttemptAt?.ToUnixTimeMilliseconds());
                Sql.Set(command, "@document", document);
                BindOurNow(command, Sql.Set);
            }, cancellationToken) == 1;
    }

    /// <summary>
    /// Runs one write (its own transaction); answers the rows it changed. A failure names what it
    /// wrote: <paramref name="what"/> and <paramref name="id"/> (joined only then, not on every write).
    /// </summary>
    private async Task<int> WriteAsync(string what, string? id, string sql, Action<DbCommand> bind, CancellationToken cancellationToken)
    {
        try
        {
            return await dialect.ExecuteWriteAsync(sql, bind, cancellationToken);
        }
        catch (Exception ex) when (Sql.IsUnavailable(ex))
        {
            throw new StoreUnavailableException($"The order store ({dialect.Name}) could not save {what}{id}: {ex.Message}", ex);
        }
    }

    private async Task<IReadOnlyList<Order>> ReadAsync(DbCommand command, CancellationToken cancellationToken)
    {
        BindOurNow(command, Sql.Add);
        var orders = new List<Order>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var order = JsonSerializer.Deserialize(reader.GetString(1), OrdersJsonContext.Default.Order)!;
            orders.Add(order with
            {
                Version = reader.GetInt64(0),
                LeaseUntil = TimeAt(reader, 2),
                NextAttemptAt = TimeAt(reader, 3),
            });
        }
        return orders;
    }

    // A time on this replica's clock (parameter) → on the database's: shifted by how far the two differ now.
    private string ToDatabaseClock(string parameter) =>
        dialect.DatabaseNow is { } databaseNow ? $"({parameter} + {databaseNow} - @our_now)" : parameter;

    // A stored time (column) → on this replica's clock, for the code that compares it with the replica's own.
    private string ToOurClock(string column) =>
        dialect.DatabaseNow is { } databaseNow ? $"({column} - {databaseNow} + @our_now)" : column;

    private void BindOurNow(DbCommand command, Action<DbCommand, string, object?> bind)
    {
        if (dialect.DatabaseNow is not null)
        {
            bind(command, "@our_now", clock.GetUtcNow().ToUnixTimeMilliseconds());
        }
    }

    private static DateTimeOffset? TimeAt(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));
}
