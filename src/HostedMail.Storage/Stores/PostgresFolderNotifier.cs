using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace HostedMail.Storage.Stores;

/// <summary>
/// Sends the folder-change NOTIFYs of IMAP mutations for other nodes, after those mutations
/// committed, many per statement. PostgreSQL serialises the commits of transactions that notify,
/// WAL flush included: notifying inside every STORE, EXPUNGE and APPEND made all of them wait in
/// one queue (measured: 15-20 % of the node's IMAP throughput). This node's own sessions are told
/// directly (<see cref="PostgresFolderChangeFeed.Publish"/>), before the change is confirmed.
/// </summary>
// Implementation notes:
// - One loop: it waits for a change, lets changes gather for a few milliseconds (CoalesceDelay:
//   well inside the 100 ms other nodes are allowed, and each send is a transaction that takes
//   PostgreSQL's notification lock), takes everything queued (one entry per folder, the highest
//   MODSEQ), and sends it in one statement whose transaction does not wait for its flush.
// - A send that fails is retried with the entries merged into what came since, after a growing
//   pause. Changes are lost only if the node stops first; other nodes' sessions then see them at
//   the folder's next change or their next command that synchronises (as after a lost NOTIFY).
internal sealed class PostgresFolderNotifier(NpgsqlDataSource dataSource, ILogger<PostgresFolderNotifier>? logger = null) : IAsyncDisposable
{
    private const string SendSql = $"""
        SELECT set_config('synchronous_commit', 'off', true), pg_notify('{PostgresMessageStore.FolderChannel}', p) FROM unnest(@payloads) AS p
        """;

    private static readonly TimeSpan CoalesceDelay = TimeSpan.FromMilliseconds(5);

    private readonly Channel<(long Tenant, long Folder, long ModSeq)> _queue = Channel.CreateUnbounded<(long, long, long)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;
    private readonly Lock _startLock = new();
    private Task? _loop;
    private int _disposed;

    public void Notify(long tenantId, long folderId, long modSeq)
    {
        _queue.Writer.TryWrite((tenantId, folderId, modSeq));
        if (_loop is null)
        {
            lock (_startLock)
            {
                _loop ??= Task.Run(SendLoopAsync);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Let the loop send what is queued, then stop it.
        _queue.Writer.TryComplete();
        if (_loop is not null)
        {
            try
            {
                await _loop.WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (TimeoutException)
            {
                await _stop.CancelAsync();
            }
        }

        _stop.Dispose();
    }

    private async Task SendLoopAsync()
    {
        var pending = new Dictionary<(long, long), long>();
        var delay = TimeSpan.FromMilliseconds(50);
        while (await _queue.Reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false) || pending.Count > 0)
        {
            if (pending.Count == 0 && !_queue.Reader.Completion.IsCompleted)
            {
                await Task.Delay(CoalesceDelay, _stop.Token).ConfigureAwait(false);
            }

            while (_queue.Reader.TryRead(out var change))
            {
                var key = (change.Tenant, change.Folder);
                pending[key] = Math.Max(change.ModSeq, pending.GetValueOrDefault(key));
            }

            try
            {
                await SendAsync(pending).ConfigureAwait(false);
                pending.Clear();
                delay = TimeSpan.FromMilliseconds(50);
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
            {
                _logger.LogWarning(ex, "Could not send {Count} folder change notifications; retrying in {Delay}", pending.Count, delay);
                await Task.Delay(delay, _stop.Token).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    private async Task SendAsync(Dictionary<(long Tenant, long Folder), long> pending)
    {
        var payloads = pending.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key.Tenant}:{p.Key.Folder}:{p.Value}")).ToArray();
        await using var connection = await dataSource.OpenConnectionAsync(_stop.Token).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(SendSql, connection);
        command.Parameters.Add(Db.Parameter("payloads", NpgsqlDbType.Array | NpgsqlDbType.Text, payloads));
        await command.ExecuteNonQueryAsync(_stop.Token).ConfigureAwait(false);
    }
}
