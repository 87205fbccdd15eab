using HostedMail.Core.Messages;
using Npgsql;

namespace HostedMail.Storage.Stores;

// Implementation notes:
// - A session-level advisory lock (pg_try_advisory_lock) on a connection held open for the whole
//   POP3 session: PostgreSQL releases it by itself when that connection ends, so a node that dies
//   or loses its network cannot leave a maildrop locked for longer than the server takes to see
//   the connection gone (TCP keepalive).
// - The key is a 64-bit hash of a namespaced string, so it cannot meet the migration runner's
//   constant key or another feature's locks except by a 2^-64 accident, which would only cause a
//   spurious [IN-USE].
// - Each held lock costs one pooled connection; POP3 sessions are short (log in, fetch, quit), and
//   the listener's MaxConnections bounds them. Size the pool (Max Pool Size) with that in mind.
internal sealed class PostgresMaildropLock(NpgsqlDataSource dataSource) : IMaildropLock
{
    private const string KeySql = "hashtextextended('hostedmail.pop3.maildrop:' || @tenant_id::text || ':' || @mailbox_id::text, 0)";
    private const string TryLockSql = $"SELECT pg_try_advisory_lock({KeySql})";
    private const string UnlockSql = $"SELECT pg_advisory_unlock({KeySql})";

    public async Task<IAsyncDisposable?> TryAcquireAsync(long tenantId, long mailboxId, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = Db.Command(connection, null, TryLockSql, ("tenant_id", tenantId), ("mailbox_id", mailboxId));
            if (await command.ExecuteScalarAsync(cancellationToken) is true)
            {
                var handle = new Handle(connection, tenantId, mailboxId);
                connection = null;
                return handle;
            }

            return null;
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    private sealed class Handle(NpgsqlConnection connection, long tenantId, long mailboxId) : IAsyncDisposable
    {
        private int _disposed;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            try
            {
                // Unlock explicitly: the connection goes back to the pool, and the lock must not
                // go with it.
                await using var command = Db.Command(connection, null, UnlockSql, ("tenant_id", tenantId), ("mailbox_id", mailboxId));
                await command.ExecuteScalarAsync(CancellationToken.None);
                await connection.DisposeAsync();
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or IOException)
            {
                // The connection is broken, so PostgreSQL has ended its session and the lock with
                // it; make sure the pool does not reuse it.
                NpgsqlConnection.ClearPool(connection);
                await connection.DisposeAsync();
            }
        }
    }
}
