using System.Collections.Immutable;
using HostedMail.Core.Mailboxes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace HostedMail.Storage.Stores;

/// <summary>
/// The node's LISTEN on the revocation channel that migrations 0061/0062's triggers notify with a
/// mailbox address. Started by the first subscription. Revocations sent while the connection was
/// being re-established are not heard; new logins are refused anyway (credential stamps), only
/// sessions already open would then last until they disconnect.
/// </summary>
internal sealed class PostgresCredentialRevocationFeed(NpgsqlDataSource dataSource, TimeProvider? timeProvider = null, ILogger<PostgresCredentialRevocationFeed>? logger = null)
    : ICredentialRevocationFeed, IAsyncDisposable
{
    public const string Channel = "hostedmail_credentials";

    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private ImmutableList<Action<string>> _subscribers = [];
    private Task? _loop;
    private int _disposed;

    public IDisposable Subscribe(Action<string> onRevoked)
    {
        lock (_lock)
        {
            _subscribers = _subscribers.Add(onRevoked);
            _loop ??= Task.Run(() => PostgresListener.RunAsync(dataSource, Channel, Dispatch, () => { },
                (ILogger?)logger ?? NullLogger.Instance, timeProvider ?? TimeProvider.System, _stop.Token));
        }

        return new Subscription(this, onRevoked);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync();
        if (_loop is not null)
        {
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
            }
        }

        _stop.Dispose();
    }

    private void Dispatch(string address)
    {
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            subscriber(address);
        }
    }

    private sealed class Subscription(PostgresCredentialRevocationFeed feed, Action<string> onRevoked) : IDisposable
    {
        public void Dispose()
        {
            lock (feed._lock)
            {
                feed._subscribers = feed._subscribers.Remove(onRevoked);
            }
        }
    }
}
