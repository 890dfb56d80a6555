using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Strongroom.Storage;

/// <summary>
/// Reader connections that keep their statements prepared, for the SQLite store's hot reads (the masked read, the API-key
/// lookup on every request). Microsoft.Data.Sqlite prepares a command's SQL anew for every command object, and a pooled
/// connection comes back as a new object, so each read paid the parse; here a connection stays with its prepared commands and
/// only the parameter values change. One caller uses a connection at a time; idle ones wait in a small bag.
/// </summary>
internal sealed class SqlitePreparedReads(Func<CancellationToken, ValueTask<DbConnection>> open) : IAsyncDisposable
{
    // Enough for the thread pool's concurrency on a small host; a burst beyond it opens and then closes extra connections.
    private const int MaxIdle = 16;

    private readonly ConcurrentBag<ReadConnection> _idle = [];
    private int _idleCount;

    public async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, Func<DbDataReader, T> read, (string Name, object? Value)[] parameters, CancellationToken cancellationToken)
    {
        ReadConnection connection;
        if (_idle.TryTake(out ReadConnection? idle))
        {
            Interlocked.Decrement(ref _idleCount);
            connection = idle;
        }
        else
        {
            connection = new ReadConnection((SqliteConnection)await open(cancellationToken));
        }

        IReadOnlyList<T> rows;
        try
        {
            rows = connection.Query(sql, read, parameters);
        }
        catch
        {
            await connection.DisposeAsync(); // its state is unknown: not worth keeping
            throw;
        }

        if (Interlocked.Increment(ref _idleCount) <= MaxIdle)
        {
            _idle.Add(connection);
        }
        else
        {
            Interlocked.Decrement(ref _idleCount);
            await connection.DisposeAsync();
        }

        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        while (_idle.TryTake(out ReadConnection? connection))
        {
            await connection.DisposeAsync();
        }
    }

    /// <summary>A connection and the commands prepared on it, one per statement text.</summary>
    private sealed class ReadConnection(SqliteConnection connection) : IAsyncDisposable
    {
        private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

        public List<T> Query<T>(string sql, Func<DbDataReader, T> read, (string Name, object? Value)[] parameters)
        {
            if (!_commands.TryGetValue(sql, out SqliteCommand? command))
            {
                command = connection.CreateCommand();
#pragma warning disable CA2100 // Every statement is a constant of SqlVaultStore; values are always bound as parameters.
                command.CommandText = sql;
#pragma warning restore CA2100
                foreach ((string name, _) in parameters)
                {
                    command.Parameters.Add(new SqliteParameter(name, null));
                }

                command.Prepare();
                _commands.Add(sql, command);
            }

            for (int i = 0; i < parameters.Length; i++)
            {
                command.Parameters[i].Value = parameters[i].Value ?? DBNull.Value;
            }

            // The reader's disposal resets the statement, so no read transaction stays open to hold back a checkpoint.
            using SqliteDataReader reader = command.ExecuteReader();
            var rows = new List<T>();
            while (reader.Read())
            {
                rows.Add(read(reader));
            }

            return rows;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (SqliteCommand command in _commands.Values)
            {
                await command.DisposeAsync();
            }

            await connection.DisposeAsync();
        }
    }
}
