using System.Data.Common;
using System.Threading.Channels;

namespace SagaDemo.Infrastructure.Sql;

/// <summary>
/// A group commit: writes queue here, in process, and one writer loop takes every write waiting at
/// that moment (up to <see cref="MaxBatch"/>) and runs them in one transaction on its connection —
/// on PostgreSQL as one batch (one round trip), on SQLite statement by statement, each prepared
/// once — then commits. Under load one commit serves many
/// sagas; each write's caller hears back only after the commit that made it durable, with the rows
/// its statement changed. If the batch fails, nothing of it is committed and every caller hears so;
/// a failure <c>retryable</c> says is transient (a deadlock between two replicas' batches) runs the
/// batch again, a few times.
/// </summary>
public sealed class GroupCommitWriter(Func<Task<DbConnection>> openWriter, Func<Exception, bool>? retryable = null)
{
    public const int MaxBatch = 64;
    private const int Tries = 3;

    private readonly Channel<PendingWrite> queue = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock startGate = new();
    private Task? loop;

    /// <summary>Queues one write; answers the rows it changed once its batch is committed.</summary>
    public Task<int> ExecuteAsync(string sql, Action<DbCommand> bind, CancellationToken cancellationToken)
    {
        lock (startGate)
        {
            loop ??= Task.Run(() => new WriterLoop(openWriter).RunAsync(queue.Reader, retryable), CancellationToken.None);
        }
        var write = new PendingWrite(sql, bind, new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously));
        queue.Writer.TryWrite(write);
        return write.Done.Task.WaitAsync(cancellationToken);
    }

    private sealed record PendingWrite(string Sql, Action<DbCommand> Bind, TaskCompletionSource<int> Done);

    /// <summary>One connection and its prepared statements, committing one batch at a time.</summary>
    private sealed class WriterLoop(Func<Task<DbConnection>> openWriter)
    {
        private readonly Dictionary<string, DbCommand> prepared = new(StringComparer.Ordinal);
        private DbConnection? connection;

        public async Task RunAsync(ChannelReader<PendingWrite> queue, Func<Exception, bool>? retryable)
        {
            var batch = new List<PendingWrite>(MaxBatch);
            while (await queue.WaitToReadAsync())
            {
                batch.Clear();
                while (batch.Count < MaxBatch && queue.TryRead(out var write))
                {
                    batch.Add(write);
                }
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        var changed = await CommitAsync(batch);
                        for (var i = 0; i < batch.Count; i++)
                        {
                            batch[i].Done.TrySetResult(changed[i]);
                        }
                        break;
                    }
                    catch (Exception ex)
                    {
                        // The next try, or the next batch, starts on a fresh connection rather than one in an unknown state.
                        await ResetAsync();
                        if (attempt < Tries && retryable?.Invoke(ex) == true)
                        {
                            continue;
                        }
                        foreach (var write in batch)
                        {
                            write.Done.TrySetException(ex);
                        }
                        break;
                    }
                }
            }
        }

        private async Task<int[]> CommitAsync(List<PendingWrite> batch)
        {
            connection ??= await openWriter();
            return connection.CanCreateBatch ? await CommitInOneRoundTripAsync(batch) : await CommitOneByOneAsync(batch);
        }

        /// <summary>
        /// A database across the network (PostgreSQL): the whole group is sent as one batch, one round
        /// trip. A batch outside a transaction runs as one implicit transaction — all of it or none —
        /// committed at its end.
        /// </summary>
        private async Task<int[]> CommitInOneRoundTripAsync(List<PendingWrite> writes)
        {
            await using var batch = connection!.CreateBatch();
            foreach (var write in writes)
            {
                // Bound like a single statement (the same callback), then its values go into the batch.
                var bound = Prepared(write.Sql);
                write.Bind(bound);
                var statement = batch.CreateBatchCommand();
                statement.CommandText = write.Sql;
                foreach (DbParameter parameter in bound.Parameters)
                {
                    var value = statement.CreateParameter();
                    value.ParameterName = parameter.ParameterName;
                    value.Value = parameter.Value;
                    statement.Parameters.Add(value);
                }
                batch.BatchCommands.Add(statement);
            }
            await batch.ExecuteNonQueryAsync();
            var changed = new int[writes.Count];
            for (var i = 0; i < writes.Count; i++)
            {
                changed[i] = batch.BatchCommands[i].RecordsAffected;
            }
            return changed;
        }

        /// <summary>An in-process database (SQLite): each statement prepared once, run in one transaction, then one commit.</summary>
        private async Task<int[]> CommitOneByOneAsync(List<PendingWrite> batch)
        {
            await using var transaction = await connection!.BeginTransactionAsync();
            var changed = new int[batch.Count];
            for (var i = 0; i < batch.Count; i++)
            {
                var command = Prepared(batch[i].Sql);
                command.Transaction = transaction;
                batch[i].Bind(command);
                changed[i] = await command.ExecuteNonQueryAsync();
            }
            await transaction.CommitAsync();
            return changed;
        }

        private DbCommand Prepared(string sql)
        {
            if (!prepared.TryGetValue(sql, out var command))
            {
                command = connection!.CreateCommand();
                command.CommandText = sql;
                prepared[sql] = command;
            }
            return command;
        }

        private async Task ResetAsync()
        {
            foreach (var command in prepared.Values)
            {
                await command.DisposeAsync();
            }
            prepared.Clear();
            if (connection is not null)
            {
                await connection.DisposeAsync();
                connection = null;
            }
        }
    }
}
