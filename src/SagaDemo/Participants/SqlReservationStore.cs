using System.Data.Common;
using System.Text.Json;
using SagaDemo.Contracts;
using SagaDemo.Hosting;
using SagaDemo.Infrastructure.Sql;
using SagaDemo.Infrastructure.Storage;

namespace SagaDemo.Participants;

/// <summary>
/// A participant's reservations in SQLite or PostgreSQL, so a restart loses nothing. Every reserve
/// and cancel is one transaction that first locks its order and then its resource (a SKU, a slot)
/// — always in that order, so two transactions never wait for each other in a circle — and reads
/// the units held only under that lock: two replicas on one PostgreSQL cannot oversell either.
/// Several participants may share one database: every row carries its role.
/// </summary>
public sealed class SqlReservationStore<TRequest>(SqlDialect dialect, string roleName, IReservationRules<TRequest> rules, TimeProvider clock)
    : IReservationStore<TRequest>
    where TRequest : class, IReservationRequest
{
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE reservations (
            role TEXT NOT NULL,
            order_id TEXT NOT NULL,
            status TEXT NOT NULL,
            request TEXT NULL,
            resource TEXT NULL,
            units INTEGER NOT NULL,
            reason TEXT NULL,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            PRIMARY KEY (role, order_id)
        );
        CREATE INDEX reservations_by_status ON reservations (role, status, created_at, order_id);
        CREATE INDEX reservations_by_created ON reservations (role, created_at, order_id);
        CREATE TABLE holds (
            role TEXT NOT NULL,
            resource TEXT NOT NULL,
            units BIGINT NOT NULL,
            PRIMARY KEY (role, resource)
        );
        """,
    ];

    private const string Columns = "order_id, status, request, resource, units, reason, created_at";


    public string Description => "reservation store";

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await Guard(async () =>
        {
            dialect.Prepare();
            return await dialect.OpenAsync(cancellationToken);
        }, "cannot be reached");
        await Sql.MigrateAsync(dialect, connection, "reservation_migrations", Migrations, cancellationToken);
    }

    public Task PingAsync(CancellationToken cancellationToken) => Guard(async () =>
    {
        await using (var connection = await dialect.OpenAsync(cancellationToken))
        {
            await Sql.ScalarAsync(connection, null, "SELECT 1", cancellationToken);
        }
        // The last write failed for lack of space: ready again only once a write goes through.
        return dialect.OutOfSpace is null
            ? 0
            : await dialect.ExecuteWriteAsync(dialect.SpaceProbeSql ?? "UPDATE reservation_migrations SET version = version WHERE version = 1", _ => { }, cancellationToken);
    }, "cannot be written");

    public Task<ReserveResult> ReserveAsync(TRequest request, CancellationToken cancellationToken) =>
        Guard(() => dialect.InTransactionAsync(async (connection, transaction) =>
        {
            var orderId = request.OrderId!;
            await LockAsync(connection, transaction, OrderKey(orderId), cancellationToken);
            if (await FindAsync(connection, transaction, orderId, cancellationToken) is { } existing)
            {
                return existing.Replay(request);
            }

            var resource = Reservation<TRequest>.ResourceToLock(request, rules);
            var unitsHeld = resource is null ? 0 : await LockUnitsAsync(connection, transaction, resource, cancellationToken);
            var reservation = Reservation<TRequest>.Decide(request, rules, unitsHeld, clock.GetUtcNow());
            await SaveAsync(connection, transaction, reservation, insert: true, cancellationToken);
            return reservation.Result;
        }, cancellationToken), $"could not reserve for order {request.OrderId}");

    public Task<ReservationView> CancelAsync(string orderId, CancellationToken cancellationToken) =>
        Guard(() => dialect.InTransactionAsync(async (connection, transaction) =>
        {
            await LockAsync(connection, transaction, OrderKey(orderId), cancellationToken);
            var existing = await FindAsync(connection, transaction, orderId, cancellationToken);
            if (existing is { Status: ReservationStatus.Cancelled })
            {
                return existing.View;
            }

            var cancelled = existing?.Cancelled() ?? Reservation<TRequest>.CancelledUnseen(orderId, clock.GetUtcNow());
            if (existing?.Hold is { } hold)
            {
                await LockAsync(connection, transaction, ResourceKey(hold.Resource), cancellationToken);
                await AddUnitsAsync(connection, transaction, hold.Resource, -hold.Units, cancellationToken);
            }
            await SaveAsync(connection, transaction, cancelled, insert: existing is null, cancellationToken);
            return cancelled.View;
        }, cancellationToken), $"could not cancel order {orderId}");

    public Task<ReservationView?> FindAsync(string orderId, CancellationToken cancellationToken) =>
        Guard(async () =>
        {
            await using var connection = await dialect.OpenAsync(cancellationToken);
            return (await FindAsync(connection, null, orderId, cancellationToken))?.View;
        }, "cannot be read");

    public Task<int> UnitsHeldAsync(string resource, CancellationToken cancellationToken) =>
        Guard(async () =>
        {
            await using var connection = await dialect.OpenAsync(cancellationToken);
            return await UnitsAsync(connection, null, resource, cancellationToken);
        }, "cannot be read");

    public Task<ReservationPage> ListAsync(ReservationQuery query, CancellationToken cancellationToken) =>
        Guard(async () =>
        {
            await using var connection = await dialect.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = $"""
                SELECT {Columns} FROM reservations
                WHERE role = @role
                  {(query.Status is null ? "" : "AND status = @status")}
                  {(query.CreatedBefore is null ? "" : "AND created_at < @created_before")}
                  {(query.After is null ? "" : "AND (created_at > @after_ms OR (created_at = @after_ms AND order_id > @after_id))")}
                ORDER BY created_at, order_id LIMIT @limit
                """;
            Sql.Add(command, "@role", roleName);
            if (query.Status is { } status)
            {
                Sql.Add(command, "@status", StatusName(status));
            }
            if (query.CreatedBefore is { } before)
            {
                Sql.Add(command, "@created_before", before.ToUnixTimeMilliseconds());
            }
            if (query.After is { } after)
            {
                Sql.Add(command, "@after_ms", after.CreatedAtMs);
                Sql.Add(command, "@after_id", after.OrderId);
            }
            Sql.Add(command, "@limit", query.Limit + 1);
            var rows = new List<ReservationView>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(Read(reader).View);
            }
            return ReservationPages.Of(rows, query.Limit);
        }, "cannot be read");

    public Task<int> DeleteExpiredAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken) =>
        Guard(() => dialect.InTransactionAsync(async (connection, transaction) =>
        {
            // Released and refused reservations hold no units: the holds table is not touched.
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                DELETE FROM reservations WHERE role = @role AND order_id IN (
                    SELECT order_id FROM reservations WHERE role = @role AND status IN ('cancelled', 'rejected') AND created_at < @before
                    ORDER BY created_at LIMIT @limit)
                """;
            Sql.Add(command, "@role", roleName);
            Sql.Add(command, "@before", before.ToUnixTimeMilliseconds());
            Sql.Add(command, "@limit", limit);
            return await command.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken), "could not delete expired reservations");

    // Lock keys: always the order first, then its resource, so two transactions never wait in a circle.
    private static string OrderKey(string orderId) => $"order/{orderId}";

    private static string ResourceKey(string resource) => $"resource/{resource}";

    private async Task LockAsync(DbConnection connection, DbTransaction transaction, string key, CancellationToken cancellationToken)
    {
        if (dialect.KeyLockSql is not { } lockSql)
        {
            return;
        }
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = lockSql;
        Sql.Add(command, "@key", $"{roleName}/{key}");
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Locks the resource and reads the units it holds: exact until the transaction ends.</summary>
    private async Task<int> LockUnitsAsync(DbConnection connection, DbTransaction transaction, string resource, CancellationToken cancellationToken)
    {
        await LockAsync(connection, transaction, ResourceKey(resource), cancellationToken);
        return await UnitsAsync(connection, transaction, resource, cancellationToken);
    }

    private async Task<int> UnitsAsync(DbConnection connection, DbTransaction? transaction, string resource, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT units FROM holds WHERE role = @role AND resource = @resource";
        Sql.Add(command, "@role", roleName);
        Sql.Add(command, "@resource", resource);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken) ?? 0);
    }

    private async Task AddUnitsAsync(DbConnection connection, DbTransaction transaction, string resource, int units, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO holds (role, resource, units) VALUES (@role, @resource, @units)
            ON CONFLICT (role, resource) DO UPDATE SET units = holds.units + excluded.units
            """;
        Sql.Add(command, "@role", roleName);
        Sql.Add(command, "@resource", resource);
        Sql.Add(command, "@units", units);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<Reservation<TRequest>?> FindAsync(DbConnection connection, DbTransaction? transaction, string orderId, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT {Columns} FROM reservations WHERE role = @role AND order_id = @order_id";
        Sql.Add(command, "@role", roleName);
        Sql.Add(command, "@order_id", orderId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    private async Task SaveAsync(DbConnection connection, DbTransaction transaction, Reservation<TRequest> reservation, bool insert, CancellationToken cancellationToken)
    {
        if (insert && reservation.Hold is { } hold)
        {
            await AddUnitsAsync(connection, transaction, hold.Resource, hold.Units, cancellationToken);
        }
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = insert
            ? """
              INSERT INTO reservations (role, order_id, status, request, resource, units, reason, created_at, updated_at)
              VALUES (@role, @order_id, @status, @request, @resource, @units, @reason, @created_at, @updated_at)
              """
            : """
              UPDATE reservations SET status = @status, resource = @resource, units = @units, reason = @reason, updated_at = @updated_at
              WHERE role = @role AND order_id = @order_id
              """;
        Sql.Add(command, "@role", roleName);
        Sql.Add(command, "@order_id", reservation.OrderId);
        Sql.Add(command, "@status", StatusName(reservation.Status));
        Sql.Add(command, "@request", reservation.Request is null ? null : JsonSerializer.Serialize(reservation.Request, SagaJson.Options));
        Sql.Add(command, "@resource", reservation.Hold?.Resource);
        Sql.Add(command, "@units", reservation.Hold?.Units ?? 0);
        Sql.Add(command, "@reason", reservation.Reason);
        Sql.Add(command, "@created_at", reservation.CreatedAt.ToUnixTimeMilliseconds());
        Sql.Add(command, "@updated_at", clock.GetUtcNow().ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static Reservation<TRequest> Read(DbDataReader reader) => new(
        reader.GetString(0),
        reader.IsDBNull(2) ? null : JsonSerializer.Deserialize<TRequest>(reader.GetString(2), SagaJson.Options),
        Enum.Parse<ReservationStatus>(reader.GetString(1), ignoreCase: true),
        reader.IsDBNull(3) ? null : new Hold(reader.GetString(3), Convert.ToInt32(reader.GetValue(4))),
        reader.IsDBNull(5) ? null : reader.GetString(5),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)));

    private static string StatusName(ReservationStatus status) => status.ToString().ToLowerInvariant();

    private async Task<T> Guard<T>(Func<Task<T>> work, string failure)
    {
        try
        {
            return await work();
        }
        catch (Exception ex) when (Sql.IsUnavailable(ex))
        {
            throw new StoreUnavailableException($"The reservation store ({dialect.Name}) {failure}: {ex.Message}", ex);
        }
    }
}
